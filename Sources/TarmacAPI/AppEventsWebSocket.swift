import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import TarmacControl
import TarmacModel

/// `GET /tarmac/v1/apps/{app}/events/ws`: the app event feed over a WebSocket, one text
/// message per event (the same JSON as the SSE `data`), resumable with `?after=` or the
/// `Last-Event-ID` header like the SSE feed. The upgrade request is authenticated and
/// checked (unknown app 404, bad cursor 400) before any upgrade; after it, the server only
/// writes, and ends when the client closes.
public enum AppEventsWebSocket {
    public static let path = "/tarmac/v1/apps/{app_name}/events/ws"

    /// The router `HTTPServerBuilder.http1WebSocketUpgrade(webSocketRouter:)` consults for
    /// upgrade requests (everything else goes to the API router).
    public static func makeRouter(control: Control, configuration: APIServer.Configuration) -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.add(middleware: APIErrorMiddleware())
        router.add(middleware: AuthMiddleware(token: configuration.token, publicPaths: []))
        router.ws(RouterPath("/tarmac/v1/apps/:app_name/events/ws")) { request, context in
            let app = try context.parameters.require("app_name")
            _ = try await control.appEventCursor(app: app, after: try ServerSentEvents.resumePoint(request))
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let app = try context.requestContext.parameters.require("app_name")
            let start = try await control.appEventCursor(app: app, after: try ServerSentEvents.resumePoint(context.request))
            try await withThrowingTaskGroup(of: Void.self) { group in
                // The client only ever closes (or pings, which the library answers).
                group.addTask { for try await _ in inbound {} }
                group.addTask { try await send(app: app, after: start, control: control, to: outbound) }
                try await group.next()
                group.cancelAll()
            }
        }
        MachineConsoleWebSocket.register(on: router, control: control)
        return router
    }

    private static func send(app: String, after start: Int64, control: Control, to outbound: WebSocketOutboundWriter) async throws {
        try await control.followAppEvents(app: app, after: start, idle: ServerSentEvents.pollInterval) { events in
            for event in events {
                try await outbound.write(.text(String(decoding: try ServerSentEvents.encoder.encode(event), as: UTF8.self)))
            }
        }
    }
}

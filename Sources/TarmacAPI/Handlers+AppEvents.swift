import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TarmacControl
import TarmacModel

/// Tarmac's app event feed: `GET /tarmac/v1/apps/{app}/events` (a page, JSON) and
/// `…/events/sse` (Server-Sent Events, resumable with `Last-Event-ID` or `after`).
extension Handlers {
    static let appEventsPath = "/tarmac/v1/apps/{app_name}/events"

    func registerAppEvents(_ table: inout RouteTable) {
        table.add(.get, Self.appEventsPath) { request, context in
            let app = try context.parameters.require("app_name")
            if let tail = try request.queryInt("tail") {
                return JSONResponse.make(try await control().recentAppEvents(app: app, limit: tail))
            }
            let after = try request.queryInt("after") ?? 0
            let limit = try request.queryInt("limit") ?? 100
            return JSONResponse.make(try await control().appEvents(app: app, after: Int64(after), limit: limit))
        }
        table.add(.get, Self.appEventsPath + "/sse") { request, context in
            let app = try context.parameters.require("app_name")
            let control = try control()
            let start = try await control.appEventCursor(app: app, after: try ServerSentEvents.resumePoint(request))
            let body = ResponseBody { writer in
                try await Self.follow(app: app, after: start, control: control, writer: &writer)
            }
            return Response(status: .ok, headers: [.contentType: ServerSentEvents.contentType, .cacheControl: "no-store"], body: body)
        }
    }

    /// Writes the feed until the client goes away (the write fails) or the server stops.
    private static func follow(app: String, after start: Int64, control: Control, writer: inout any ResponseBodyWriter) async throws {
        try await writer.write(ByteBuffer(string: ServerSentEvents.opening(after: start)))
        var lastWrite = ContinuousClock.now
        try await control.followAppEvents(app: app, after: start, idle: ServerSentEvents.pollInterval) { events in
            if events.isEmpty {
                guard ContinuousClock.now - lastWrite >= ServerSentEvents.keepAliveInterval else { return }
                try await writer.write(ByteBuffer(string: ServerSentEvents.keepAlive))
            } else {
                try await writer.write(ByteBuffer(string: try events.map(ServerSentEvents.frame).joined()))
            }
            lastWrite = ContinuousClock.now
        }
        try await writer.finish(nil)
    }
}

import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TarmacModel

extension TarmacClient {
    /// The newest `limit` events of the app's machines, oldest first.
    public func recentAppEvents(app: String, limit: Int) async throws -> [AppEvent] {
        try await send(.tarmac(.get, ["apps", app, "events"], query: [.init("tail", String(limit))]), as: [AppEvent].self)
    }

    /// Follows the app's event feed (`…/events/sse`) after `after`, calling `handle` for each
    /// event in order, until `handle` throws or the task is cancelled. A dropped connection
    /// (server restarted, network) is reopened after `retryDelay` from the last event
    /// handled, so nothing is skipped or repeated; `onReconnect` hears why. Refusals (unknown
    /// app, bad input) are thrown.
    public func followAppEvents(
        app: String, after: Int64, retryDelay: Duration = .seconds(1),
        onReconnect: @Sendable (ClientError) -> Void = { _ in },
        _ handle: (AppEvent) async throws -> Void
    ) async throws {
        var cursor = after
        let decoder = JSONDecoder()
        while true {
            try Task.checkCancellation()
            do {
                try await streamAppEvents(app: app, after: cursor) { event in
                    let appEvent = try decoder.decode(AppEvent.self, from: Data(event.data.utf8))
                    try await handle(appEvent)
                    cursor = appEvent.sequence
                }
                onReconnect(ClientError(code: .unreachable, message: "the event stream ended; reconnecting", url: baseURL))
            } catch let error as ClientError where error.code == .unreachable || error.code == .timeout {
                onReconnect(error)
            }
            try await Task.sleep(for: retryDelay)
        }
    }

    /// One connection of the feed; returns when the server ends it.
    private func streamAppEvents(app: String, after: Int64, _ each: (ServerSentEventParser.Event) async throws -> Void) async throws {
        let (response, url) = try await openStream(
            .tarmac(.get, ["apps", app, "events", "sse"]), accept: "text/event-stream", headers: [.init("Last-Event-ID", String(after))])
        var parser = ServerSentEventParser()
        do {
            for try await buffer in response.body {
                for event in parser.append(buffer.readableBytesView) where event.id != nil {
                    try await each(event)
                }
            }
        } catch let error as DecodingError {
            throw ClientError(code: .decoding, message: "an event from \(url) does not decode: \(error)", url: url, cause: error)
        } catch let error as HTTPClientError {
            throw transportError(error, url: url, timeout: configuration.timeout)
        }
    }
}

import Foundation
import HTTPTypes
import Synchronization
import HummingbirdWSClient
import Logging
import Testing

/// The app event feed over Server-Sent Events against a real `tarmac dev` + runc: a
/// follower sees a machine's events live, and one that reconnects with `Last-Event-ID`
/// gets exactly what happened while it was away — no gap, no duplicate.
@Suite("App event feed (real tarmac dev + runc)")
struct AppEventFeedTests {
    static func sequences(_ dev: DevInstance, app: String) async throws -> [Int] {
        let (status, events) = try await dev.jsonArray("GET", "/tarmac/v1/apps/\(app)/events?limit=500")
        #expect(status == 200)
        return events.compactMap { $0["sequence"] as? Int }
    }

    /// Reads frames until one has the id `last`; the ids read, in order.
    static func read(_ reader: SSEReader, through last: Int, machineID: String) async throws -> [Int] {
        var ids: [Int] = []
        while ids.last != last {
            let frame = try #require(try await reader.next(), "the feed went quiet before event \(last); got \(ids)")
            let id = try #require(frame.id.flatMap { Int($0) }, "frame \(frame)")
            let data = try JSONSerialization.jsonObject(with: Data(frame.data.utf8)) as? [String: Any]
            #expect(data?["machine_id"] as? String == machineID)
            #expect(((data?["event"] as? [String: Any])?["type"] as? String) == frame.event)
            ids.append(id)
        }
        return ids
    }

    @Test func followAndResumeWithoutGapOrDuplicate() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("feed")
            let live = try await SSEReader(port: dev.port, path: "/tarmac/v1/apps/feed/events/sse", token: dev.token)
            #expect(live.status == 200)

            let machine = try await dev.createMachine(app: "feed", body: ["config": [
                "image": "busybox-test", "init": ["cmd": ["sleep", "1000"]], "restart": ["policy": "no"],
            ]])
            let id = try #require(machine["id"] as? String)
            _ = try await dev.wait(app: "feed", id: id, state: "started")
            let untilStarted = try await Self.sequences(dev, app: "feed")
            let first = try await Self.read(live, through: try #require(untilStarted.last), machineID: id)
            #expect(first == untilStarted)

            // Away while the machine stops; back with the last id seen.
            let (stop, _) = try await dev.request("POST", "/v1/apps/feed/machines/\(id)/stop")
            #expect(stop == 200)
            _ = try await dev.wait(app: "feed", id: id, state: "stopped")
            let everything = try await Self.sequences(dev, app: "feed")
            let resumed = try await SSEReader(port: dev.port, path: "/tarmac/v1/apps/feed/events/sse", token: dev.token,
                                              lastEventID: String(try #require(first.last)))
            #expect(resumed.status == 200)
            let second = try await Self.read(resumed, through: try #require(everything.last), machineID: id)
            #expect(first + second == everything)
            #expect(everything.count > first.count)

            // after=0 replays the whole history.
            let replay = try await SSEReader(port: dev.port, path: "/tarmac/v1/apps/feed/events/sse?after=0", token: dev.token)
            #expect(try await Self.read(replay, through: try #require(everything.last), machineID: id) == everything)
        }
    }

    @Test func theCLIFollowsTheFeedAsJSONLines() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("tail")
            let before = try await dev.createMachine(app: "tail", body: ["config": ["image": "busybox-test", "init": ["cmd": ["sleep", "1000"]]]])
            let beforeID = try #require(before["id"] as? String)
            let follower = try CommandFollower(try TestPaths.tarmac, ["events", "-a", "tail", "-f", "--json", "--limit", "500"], environment: [
                "TARMAC_API_URL": dev.baseURL, "TARMAC_API_TOKEN": dev.token,
            ])
            defer { follower.stop() }
            // The history first …
            let first = try #require(try await follower.nextLine(timeout: .seconds(20)), "no output; stderr: \(follower.errors)")
            let firstEvent = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
            #expect(firstEvent?["machine_id"] as? String == beforeID)
            // … then what happens while it follows.
            let after = try await dev.createMachine(app: "tail", body: ["config": ["image": "busybox-test", "init": ["cmd": ["sleep", "1000"]]]])
            let afterID = try #require(after["id"] as? String)
            var sequences = [try #require(firstEvent?["sequence"] as? Int)]
            var sawNew = false
            while !sawNew, let line = try await follower.nextLine(timeout: .seconds(20)) {
                let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                sequences.append(try #require(event?["sequence"] as? Int))
                sawNew = event?["machine_id"] as? String == afterID
            }
            #expect(sawNew, "stderr: \(follower.errors)")
            #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count)
        }
    }

    @Test func theWebSocketFeedReplaysAndIsRefusedForAnUnknownApp() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("wsfeed")
            let machine = try await dev.createMachine(app: "wsfeed", body: ["config": ["image": "busybox-test", "init": ["cmd": ["sleep", "1000"]]]])
            let id = try #require(machine["id"] as? String)
            _ = try await dev.wait(app: "wsfeed", id: id, state: "started")
            let expected = try await Self.sequences(dev, app: "wsfeed")
            let last = try #require(expected.last)
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(dev.token)"
            let url = "ws://127.0.0.1:\(dev.port)/tarmac/v1/apps/wsfeed/events/ws?after=0"
            let logger = Logger(label: "ws-test")
            let received = ReceivedSequences()
            try await WebSocketClient.connect(url: url, configuration: .init(additionalHeaders: headers), logger: logger) { inbound, outbound, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message,
                          let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                          let sequence = object["sequence"] as? Int else { continue }
                    #expect(object["machine_id"] as? String == id)
                    if received.append(sequence) == last { break }
                }
                try await outbound.close(.normalClosure, reason: nil)
            }
            #expect(received.values == expected)

            let refused = "ws://127.0.0.1:\(dev.port)/tarmac/v1/apps/nope/events/ws"
            await #expect(throws: WebSocketClientError.self) {
                try await WebSocketClient.connect(url: refused, configuration: .init(additionalHeaders: headers), logger: logger) { _, _, _ in }
            }
            var wrong = HTTPFields()
            wrong[.authorization] = "Bearer wrong"
            await #expect(throws: WebSocketClientError.self) {
                try await WebSocketClient.connect(url: url, configuration: .init(additionalHeaders: wrong), logger: logger) { _, _, _ in }
            }
        }
    }
}

/// Sequences a WebSocket handler saw (the handler is a `@Sendable` closure).
final class ReceivedSequences: Sendable {
    private let storage = Mutex<[Int]>([])
    var values: [Int] { storage.withLock { $0 } }
    func append(_ value: Int) -> Int {
        storage.withLock { $0.append(value) }
        return value
    }
}


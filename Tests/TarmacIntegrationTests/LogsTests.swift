import Foundation
import Testing

/// Machine logs end to end on a real `tarmac dev` with runc: stdout and stderr of real
/// containers collected by the agent, read and followed through the API and `tarmac logs`,
/// kept after the machine is destroyed, bad queries refused.
@Suite("Logs (real tarmac dev + runc)")
struct LogsTests {
    static let ticker = ["sh", "-c", "echo to-stderr >&2; i=0; while true; do i=$((i+1)); echo \"tick $i\"; sleep 0.2; done"]

    static func lines(_ dev: DevInstance, _ query: String) async throws -> [[String: Any]] {
        let (status, body) = try await dev.json("GET", "/tarmac/v1/apps/logs/logs?\(query)")
        try #require(status == 200, "\(query): \(status) \(String(describing: body))")
        return body?["lines"] as? [[String: Any]] ?? []
    }

    @Test("stdout and stderr are read, tailed, followed across a machine created meanwhile, and kept after destroy")
    func readFollowAndKeep() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("logs")
            let ticker = try await dev.createMachine(app: "logs", body: ["config": ["image": "busybox-test", "init": ["cmd": Self.ticker]]])
            let tickerID = try #require(ticker["id"] as? String)
            _ = try await dev.wait(app: "logs", id: tickerID, state: "started")
            #expect(try await dev.eventually { try await Self.lines(dev, "machine=\(tickerID)&limit=10000").count >= 10 })

            // The whole log: stderr too, numbered from 1 without a gap, oldest first.
            let all = try await Self.lines(dev, "machine=\(tickerID)&limit=10000")
            let messages = all.compactMap { $0["message"] as? String }
            #expect(messages.contains("to-stderr"))
            #expect(messages.contains("tick 1") && messages.contains("tick 5"))
            #expect(all.compactMap { $0["number"] as? Int } == Array(1...all.count))
            #expect(all.allSatisfy { $0["machine_id"] as? String == tickerID && $0["region"] as? String == "local" })
            let times = all.compactMap { $0["timestamp"] as? String }
            #expect(times == times.sorted() && times.allSatisfy { $0.count == 30 && $0.hasSuffix("Z") }, "\(times.prefix(3))")

            // A tail is the newest lines; since reads forward from a time.
            let tail = try await Self.lines(dev, "limit=3")
            #expect(tail.count == 3)
            let tailNumbers = tail.compactMap { $0["number"] as? Int }
            #expect(tailNumbers == tailNumbers.sorted() && (tailNumbers.first ?? 0) >= all.count - 2)
            // Lines of one collection pass share a time: read on from the first later time.
            let laterIndex = try #require(times.firstIndex { $0 > times[0] })
            let forward = try await Self.lines(dev, "since=\(times[laterIndex])&limit=2")
            #expect(forward.compactMap { $0["number"] as? Int } == [laterIndex + 1, laterIndex + 2])

            // The CLI, text and --json.
            let text = try dev.cli(["logs", "-a", "logs", "--limit", "5"])
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.split(separator: "\n").count == 5)
            #expect(text.stdout.contains("machine[\(tickerID)] local tick "), "\(text.stdout)")
            #expect(!text.stdout.contains("\u{1b}["), "no colour into a pipe")

            // Following: the tail, then new lines, also of a machine created after it began.
            let follower = try CommandFollower(try TestPaths.tarmac, ["logs", "-a", "logs", "-f", "--json", "--limit", "2"], environment: [
                "TARMAC_API_URL": dev.baseURL, "TARMAC_API_TOKEN": dev.token,
            ])
            defer { follower.stop() }
            var numbers: [String: [Int]] = [:]
            func read(until done: () -> Bool) async throws {
                while !done(), let line = try await follower.nextLine(timeout: .seconds(20)) {
                    let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
                    numbers[object["machine_id"] as? String ?? "", default: []].append(object["number"] as? Int ?? -1)
                }
            }
            try await read { (numbers[tickerID]?.count ?? 0) >= 10 }
            #expect((numbers[tickerID]?.count ?? 0) >= 10, "stderr: \(follower.errors)")
            let late = try await dev.createMachine(app: "logs", body: ["config": [
                "image": "busybox-test", "init": ["cmd": ["sh", "-c", "echo late-machine-line; sleep 1000"]]]])
            let lateID = try #require(late["id"] as? String)
            try await read { numbers[lateID] != nil }
            #expect(numbers[lateID] == [1], "stderr: \(follower.errors)")
            let followed = numbers[tickerID] ?? []
            #expect(followed == Array((followed.first ?? 0)...(followed.last ?? 0)), "no gap, no duplicate: \(followed)")

            // Destroyed: the log stays readable.
            #expect(try await dev.request("DELETE", "/v1/apps/logs/machines/\(tickerID)?force=true").0 == 200)
            _ = try await dev.wait(app: "logs", id: tickerID, state: "destroyed")
            let kept = try await Self.lines(dev, "machine=\(tickerID)&limit=10000")
            #expect(kept.count >= all.count && (kept.first?["message"] as? String).map { ["to-stderr", "tick 1"].contains($0) } == true)
        }
    }

    @Test("bad queries are refused naming the field; unknown app and machine are 404; the CLI says so")
    func refusals() async throws {
        try await DevInstance.with { dev in
            try await dev.createApp("logs")
            for (query, status, text) in [
                ("since=last-tuesday", 400, "since must be"), ("limit=0", 400, "limit must be"),
                ("machine=d891d7e1c3e468", 404, "machine not found"),
            ] {
                let (code, body) = try await dev.json("GET", "/tarmac/v1/apps/logs/logs?\(query)")
                #expect(code == status, "\(query)")
                #expect((body?["error"] as? String)?.contains(text) == true, "\(query): \(String(describing: body))")
            }
            #expect(try await dev.request("GET", "/tarmac/v1/apps/nope/logs").0 == 404)
            let cli = try dev.cli(["logs", "-a", "logs", "--since", "last-tuesday"])
            #expect(cli.status != 0)
            #expect(cli.stderr.contains("since must be an RFC 3339 time"), "\(cli.stderr)")
        }
    }
}

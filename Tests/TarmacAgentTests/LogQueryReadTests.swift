import Foundation
import Testing
@testable import TarmacAgent
import TarmacAgentProtocol

/// Reading the collected logs back: newest and oldest order, cursors, times, rotated files,
/// the backward line reader, and the agent's merge and validation.
@Suite("Log queries")
struct LogQueryReadTests {
    /// Collects `count` lines for `id`, one pass per line, a second apart from `start`.
    static func collect(_ collector: LogCollector, _ id: String, count: Int, start: Date = Date(timeIntervalSince1970: 1_700_000_000)) throws {
        for index in 1...count {
            try LogCollectorTests.append("\(id) line \(index)\n", to: collector.rawPath(id))
            try collector.collect(id, now: start.addingTimeInterval(Double(index)))
        }
    }

    @Test("newest and oldest order, after a cursor and since a time, across rotated files")
    func orderCursorAndTime() throws {
        try LogCollectorTests.withDirectory { directory in
            var collector = LogCollector(directory: directory)
            collector.maxBytes = 600
            try Self.collect(collector, "m1", count: 40)
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".jsonl") }
            #expect(files.count == 3, "the test spans rotated files: \(files)")
            let all = collector.records("m1", limit: 1_000)
            let first = try #require(all.first?.number)
            #expect(all.map(\.number) == Array(first...40))
            #expect(collector.records("m1", limit: 3).map(\.number) == [38, 39, 40])
            #expect(collector.records("m1", after: 30, limit: 3, oldest: true).map(\.number) == [31, 32, 33])
            #expect(collector.records("m1", after: 30, limit: 3).map(\.number) == [38, 39, 40])
            #expect(collector.records("m1", after: 40, limit: 3, oldest: true).isEmpty)
            let since: Int64 = 1_700_000_035 * 1_000_000_000
            #expect(collector.records("m1", since: since, limit: 100, oldest: true).map(\.number) == [35, 36, 37, 38, 39, 40])
            #expect(collector.records("m1", since: since, limit: 2, oldest: true).map(\.number) == [35, 36])
            #expect(collector.records("m1", after: 36, since: since, limit: 100, oldest: true).map(\.number) == [37, 38, 39, 40])
            #expect(collector.newestNumber("m1") == 40)
            #expect(collector.newestNumber("never") == 0)
            #expect(collector.records("never", limit: 10).isEmpty)
        }
    }

    @Test("the backward reader gives every line, last first, whatever the chunk size; a final line without newline too")
    func backwardReader() throws {
        try LogCollectorTests.withDirectory { directory in
            let path = directory + "/lines"
            let lines = (0..<200).map { String(repeating: "ab", count: $0 % 37) + "\($0)" }
            try LogCollectorTests.append(lines.joined(separator: "\n") + "\n" + "tail", to: path)
            for chunk in [1, 2, 7, 64, 4096] {
                var seen: [String] = []
                LogCollector.forEachLineBackward(path, chunk: chunk) { seen.append(String(decoding: $0, as: UTF8.self)); return true }
                #expect(seen == (lines + ["tail"]).reversed(), "chunk \(chunk)")
            }
            var count = 0
            LogCollector.forEachLineBackward(path, chunk: 16) { _ in count += 1; return count < 5 }
            #expect(count == 5, "stops when asked")
            LogCollector.forEachLineBackward(directory + "/missing") { _ in Issue.record("no file, no lines"); return true }
        }
    }

    @Test("the answer budget keeps the end nearest the cursor and at least one line")
    func budget() {
        let lines = (1...10).map { AgentLogLine(machineID: "m", timestamp: Int64($0), number: Int64($0), message: String(repeating: "x", count: 100)) }
        #expect(Agent.withinBudget(lines, keepOldest: true, budget: 400).map(\.number) == [1, 2])
        #expect(Agent.withinBudget(lines, keepOldest: false, budget: 400).map(\.number) == [9, 10])
        #expect(Agent.withinBudget(lines, keepOldest: false, budget: 10).map(\.number) == [10])
        #expect(Agent.withinBudget(lines, keepOldest: true, budget: 1 << 20).count == 10)
    }

    @Test("lines of one time are ordered by machine and number")
    func precedes() {
        let a = AgentLogLine(machineID: "a", timestamp: 5, number: 9, message: "")
        let b = AgentLogLine(machineID: "b", timestamp: 5, number: 1, message: "")
        let c = AgentLogLine(machineID: "a", timestamp: 6, number: 1, message: "")
        #expect([c, b, a].sorted(by: AgentLogLine.precedes) == [a, b, c])
    }
}

@Suite("LogRecord lines")
struct LogRecordLineTests {
    static let messages = ["", "plain", "quote \" backslash \\ slash /", "tab\tcr\rnl\n", "\u{0}\u{1}\u{1b}[31m\u{7f}", "ü☃ 🚀", String(repeating: "x", count: 20_000)]

    @Test("the hand-written line is JSON that JSONDecoder reads, and reads back itself, for awkward text")
    func roundTrip() throws {
        for (index, message) in Self.messages.enumerated() {
            let record = LogRecord(timestamp: 1_800_000_000_123_456_789 + Int64(index), number: Int64.max - Int64(index), message: message)
            let line = record.encodedLine()
            #expect(!line.contains(UInt8(ascii: "\n")))
            #expect(try JSONDecoder().decode(LogRecord.self, from: Data(line)) == record, "\(message.debugDescription)")
            #expect(LogRecord.fastDecode(line) == record, "\(message.debugDescription)")
        }
    }

    @Test("other spellings of a record fall back to JSONDecoder; broken lines are nil")
    func fallback() {
        let decoder = JSONDecoder()
        let spaced = Array(#"{ "m": "a\u00e9\/b", "n": 2, "t": -5 }"#.utf8)
        #expect(LogRecord.fastDecode(spaced) == nil)
        #expect(LogRecord.decodeLine(spaced, fallback: decoder) == LogRecord(timestamp: -5, number: 2, message: "aé/b"))
        for broken in [#"{"t":1,"n":2,"m":"unterminated"#, #"{"t":1,"n":2,"m":"x"}trailing"#, #"{"t":99999999999999999999,"n":1,"m":""}"#, ""] {
            #expect(LogRecord.decodeLine(Array(broken.utf8), fallback: decoder) == nil, "\(broken)")
        }
    }

    @Test("reading forward from any cursor or time across rotated files finds exactly the next lines")
    func forwardFromAnywhere() throws {
        try LogCollectorTests.withDirectory { directory in
            var collector = LogCollector(directory: directory)
            collector.maxBytes = 4_000
            collector.keep = 3
            let start = Date(timeIntervalSince1970: 1_700_000_000)
            for index in 1...300 {
                try LogCollectorTests.append("line \(index) " + String(repeating: "y", count: index % 40) + "\n", to: collector.rawPath("m"))
                try collector.collect("m", now: start.addingTimeInterval(Double(index)))
            }
            let all = collector.records("m", limit: 10_000)
            let first = try #require(all.first?.number)
            #expect(all.map(\.number) == Array(first...300))
            for after in [0, first - 1, first, first + 17, 150, 299, 300] {
                let expected = all.filter { $0.number > after }.prefix(5).map(\.number)
                #expect(collector.records("m", after: after, limit: 5, oldest: true).map(\.number) == Array(expected), "after \(after)")
            }
            for second in [0, Int(first) + 3, 200, 300, 301] {
                let since = (1_700_000_000 + Int64(second)) * 1_000_000_000
                let expected = all.filter { $0.timestamp >= since }.prefix(7).map(\.number)
                #expect(collector.records("m", since: since, limit: 7, oldest: true).map(\.number) == Array(expected), "since +\(second)")
            }
            // A small bisection window makes the search do real work on these small files.
            let path = collector.recordsPath("m", generation: 1)
            var head: LogRecord?
            LogCollector.forEachLineForward(path, from: 0) { head = LogRecord.decodeLine($0, fallback: JSONDecoder()); return false }
            let target = try #require(head?.number) + 30
            let offset = LogCollector.firstOffset(path, where: { $0.number >= target }, decoder: JSONDecoder(), window: 16)
            var firstLine: LogRecord?
            LogCollector.forEachLineForward(path, from: try #require(offset)) { firstLine = LogRecord.decodeLine($0, fallback: JSONDecoder()); return false }
            #expect(firstLine?.number == target)
            #expect(LogCollector.firstOffset(path, where: { _ in true }, decoder: JSONDecoder(), window: 16) == 0)
            #expect(LogCollector.firstOffset(path, where: { $0.number > 300 }, decoder: JSONDecoder(), window: 16) == nil)
        }
    }
}

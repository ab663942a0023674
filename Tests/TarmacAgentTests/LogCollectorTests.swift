import Foundation
import Testing
@testable import TarmacAgent
#if canImport(Glibc)
import Glibc
#endif

/// `LogCollector` on real files: lines, partial lines, long lines, restarts without
/// duplicates, rotation, freed raw bytes, retention, reading back.
@Suite("LogCollector")
struct LogCollectorTests {
    static func withDirectory(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-logs-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory)
    }

    static func append(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        defer { close(fd) }
        _ = text.utf8CString.withUnsafeBytes { write(fd, $0.baseAddress, $0.count - 1) }
    }

    @Test("complete lines become numbered, timestamped records; a partial line waits for its newline; a new collector does not repeat")
    func linesAndOffsets() throws {
        try Self.withDirectory { directory in
            let collector = LogCollector(directory: directory)
            let raw = collector.rawPath("m1")
            try Self.append("one\ntwo\nthr", to: raw)
            let at = Date(timeIntervalSince1970: 1_700_000_000)
            #expect(try collector.collect("m1", now: at) == 2)
            try Self.append("ee\n", to: raw)
            #expect(try LogCollector(directory: directory).collect("m1", now: at.addingTimeInterval(1)) == 1)
            #expect(try collector.collect("m1") == 0, "nothing new, nothing repeated")
            let records = collector.records("m1", limit: 100)
            #expect(records.map(\.message) == ["one", "two", "three"])
            #expect(records.map(\.number) == [1, 2, 3])
            #expect(records.first?.timestamp == 1_700_000_000_000_000_000)
            #expect(collector.records("m1", after: 1, limit: 100).map(\.message) == ["two", "three"])
            #expect(collector.records("m1", since: 1_700_000_000_500_000_000, limit: 100).map(\.message) == ["three"])
            #expect(collector.records("m1", limit: 1).map(\.message) == ["three"])
        }
    }

    @Test("long lines are cut; collected raw bytes are freed while the file keeps its size")
    func longLinesAndHoles() throws {
        try Self.withDirectory { directory in
            var collector = LogCollector(directory: directory)
            collector.maxLine = 10
            let raw = collector.rawPath("m1")
            try Self.append(String(repeating: "x", count: 25) + "\n", to: raw)
            #expect(try collector.collect("m1") == 3)
            #expect(collector.records("m1", limit: 10).map(\.message.count) == [10, 10, 5])
            #expect(LogCollector.split(Array("0123456789\nab".utf8), maxLine: 10).0.map { $0.count } == [10], "no empty line after a line of exactly maxLine")
            let console = LogCollector.split(Array("boot\r\n\r\nok\rstill\n".utf8), maxLine: 100).0.map { String(decoding: $0, as: UTF8.self) }
            #expect(console == ["boot", "", "ok\rstill"], "a console's CR LF ends a line; a lone CR stays")
            // A big raw log: its blocks are given back once collected.
            try Self.append(String(repeating: "line of the workload\n", count: 50_000), to: raw)
            var before = stat()
            stat(raw, &before)
            collector.maxRead = 8 << 20
            collector.collectAll()
            var after = stat()
            stat(raw, &after)
            #expect(after.st_size == before.st_size, "the writer's offsets stay valid")
            #expect(after.st_blocks < before.st_blocks / 4, "blocks \(before.st_blocks) → \(after.st_blocks)")
            #expect(collector.records("m1", limit: 200_000).count == 100_003, "20-byte lines cut in two")
        }
    }

    @Test("records rotate at maxBytes and at most keep files stay")
    func rotation() throws {
        try Self.withDirectory { directory in
            var collector = LogCollector(directory: directory)
            collector.maxBytes = 2_000
            collector.keep = 3
            for round in 0..<20 {
                try Self.append((0..<10).map { "round \(round) line \($0)" }.joined(separator: "\n") + "\n", to: collector.rawPath("m1"))
                try collector.collect("m1")
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".jsonl") }.sorted()
            #expect(files == ["m1.jsonl", "m1.jsonl.1", "m1.jsonl.2"])
            for file in files {
                let size = try FileManager.default.attributesOfItem(atPath: directory + "/" + file)[.size] as? Int ?? 0
                #expect(size <= 2_000)
            }
            let kept = collector.records("m1", limit: 1_000)
            #expect(kept.last?.message == "round 19 line 9" && kept.last?.number == 200)
            #expect(kept.map(\.number) == kept.map(\.number).sorted(), "oldest first across the rotated files")
        }
    }

    @Test("logs of machines the agent no longer has are deleted after the retention period, live ones kept")
    func retention() throws {
        try Self.withDirectory { directory in
            var collector = LogCollector(directory: directory)
            collector.retention = .seconds(3600)
            for id in ["gone", "live", "recent"] {
                try Self.append("hello\n", to: collector.rawPath(id))
                try collector.collect(id)
            }
            let later = Date().addingTimeInterval(7200)
            #expect(collector.expire(live: ["live"], now: Date()) == [], "nothing is old yet")
            #expect(collector.expire(live: ["live"], now: later) == ["gone", "recent"])
            let left = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            #expect(left == ["live.jsonl", "live.log", "live.offset"])
        }
    }
}

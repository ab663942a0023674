import Foundation
import Testing
@testable import TarmacImage

/// The tar reader as a pure state machine: same events whatever the chunking.
@Suite("Streaming tar reader")
struct UnpackReaderTests {
    /// What the reader reported, flattened for comparison.
    struct Recorded: Equatable {
        var entries: [TarEntry] = []
        var contents: [[UInt8]] = []
        var finished = false
    }

    static func read(_ data: Data, chunk: Int) throws -> Recorded {
        var reader = TarReader()
        var recorded = Recorded()
        var current: [UInt8] = []
        var offset = 0
        let bytes = [UInt8](data)
        while offset < bytes.count {
            let end = min(offset + chunk, bytes.count)
            try bytes[offset..<end].withUnsafeBytes { slice in
                try reader.read(slice) { event in
                    switch event {
                    case .entry(let entry): recorded.entries.append(entry)
                    case .data(let part): current.append(contentsOf: part)
                    case .entryEnd:
                        recorded.contents.append(current)
                        current = []
                    }
                }
            }
            offset = end
        }
        try reader.finish()
        recorded.finished = reader.isFinished
        return recorded
    }

    @Test(arguments: ["GNU", "PAX", "USTAR"])
    func chunkingDoesNotChangeTheResult(format: String) async throws {
        try await Scratch.with { scratch in
            let long = format == "USTAR" ? "short" : String(repeating: "x", count: 300)
            let tar = try await UnpackFixture.tar(format: format, in: scratch, """
                add("dir", "dir", uid=1, gid=2)
                add("dir/\(long)", data=bytes(range(256)) * 5, mode=0o600, mtime=12345)
                add("dir/empty")
                add("dir/link", "symlink", linkname="\(long)")
                add("dir/hard", "link", linkname="dir/\(long)")
                """)
            let whole = try Self.read(tar, chunk: tar.count)
            #expect(whole.entries.map(\.displayName) == ["dir/", "dir/\(long)", "dir/empty", "dir/link", "dir/hard"])
            #expect(whole.entries.map(\.kind) == [.directory, .regular, .regular, .symlink, .hardLink])
            #expect(whole.contents[1] == Array((0..<256).map { UInt8($0) }) + [UInt8]((0..<1024).map { UInt8($0 % 256) }))
            #expect(whole.entries[1].mode == 0o600 && whole.entries[1].mtime.seconds == 12345)
            #expect(whole.entries[0].uid == 1 && whole.entries[0].gid == 2)
            #expect(whole.entries[3].linkTarget == Array(long.utf8))
            #expect(whole.finished)
            for chunk in [1, 7, 511, 512, 513, 4096] {
                #expect(try Self.read(tar, chunk: chunk) == whole, "chunk size \(chunk)")
            }
        }
    }

    @Test func paxRecordsOverrideTheHeader() throws {
        let records = "30 mtime=1700000000.123456789\n" + "12 uid=4242\n" + "18 path=over/ride\n" + "30 SCHILY.xattr.user.k=v\u{0}alue\n"
        let pax = try PAXHeaders(parsing: Array(records.utf8))
        var entry = TarEntry(path: Array("orig".utf8), linkTarget: [], kind: .regular, mode: 0o644, uid: 0, gid: 0, size: 0, mtime: .init(seconds: 0, nanoseconds: 0), xattrs: [])
        try pax.apply(to: &entry)
        #expect(entry.displayName == "over/ride")
        #expect(entry.uid == 4242)
        #expect(entry.mtime == .init(seconds: 1_700_000_000, nanoseconds: 123_456_789))
        #expect(entry.xattrs.map(\.name) == ["user.k"])
        #expect(entry.xattrs.first?.value == Array("v\u{0}alue".utf8))
        #expect(try PAXHeaders.timestamp(Array("-1.5".utf8)) == .init(seconds: -2, nanoseconds: 500_000_000))
        #expect(throws: ImageError.self) { try PAXHeaders(parsing: Array("99 path=x\n".utf8)) }
        #expect(throws: ImageError.self) { try PAXHeaders(parsing: Array("5 a\n".utf8)) }
    }

    @Test func base256AndOctalNumbers() throws {
        var block = [UInt8](repeating: 0, count: 512)
        block[124] = 0x80
        block[131] = 0x01
        block[135] = 0x02
        let big = try block.withUnsafeBytes { try TarHeader.number($0, 124, 12, field: "size") }
        #expect(big == (1 << 32) + 2)
        let text = Array(" 0000644 \0".utf8)
        for (index, byte) in text.enumerated() { block[100 + index] = byte }
        #expect(try block.withUnsafeBytes { try TarHeader.number($0, 100, 8, field: "mode") } == 0o644)
        block[100] = UInt8(ascii: "9")
        #expect(throws: ImageError.self) { try block.withUnsafeBytes { try TarHeader.number($0, 100, 8, field: "mode") } }
    }

    @Test func aHugeExtendedHeaderIsRefused() throws {
        var writer = TarWriter()
        writer.add("x", contents: "")
        var header = [UInt8](writer.data.prefix(512))
        header[156] = UInt8(ascii: "x")
        let size = Array(String(TarReader.extendedLimit + 1, radix: 8).utf8)
        for index in 124..<136 { header[index] = 0 }
        for (index, byte) in size.enumerated() { header[124 + index] = byte }
        for index in 148..<156 { header[index] = 0x20 }
        let sum = header.reduce(0) { $0 + Int($1) }
        for (index, byte) in Array(String(format: "%06o", sum).utf8).enumerated() { header[148 + index] = byte }
        header[154] = 0
        var reader = TarReader()
        #expect(throws: ImageError.self) {
            try header.withUnsafeBytes { try reader.read($0) { _ in } }
        }
    }
}

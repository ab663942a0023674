import Foundation
import TarmacSystem
import Testing
@testable import TarmacImage

@Suite("In-process layer decompression (ISA-L gzip, libzstd)")
struct DecompressionTests {
    /// Feeds `data` in pieces of `piece` bytes and returns what came out.
    static func decompress(_ data: Data, _ compression: LayerCompression, piece: Int) throws -> Data {
        let decompressor = try #require(try LayerDecompressor.make(for: compression, label: "test layer"))
        var output = Data()
        var offset = 0
        while offset < data.count {
            let end = min(offset + piece, data.count)
            try data[offset..<end].withUnsafeBytes { bytes in
                try decompressor.decompress(bytes) { output.append(contentsOf: $0) }
            }
            offset = end
        }
        try decompressor.finish()
        return output
    }

    @Test(arguments: [1, 7, 4096, 1 << 20])
    func gzipInAnyPieces(piece: Int) async throws {
        try await Scratch.with { scratch in
            let tree = try Tree.sample(at: scratch.appendingPathComponent("tree"))
            let tar = scratch.appendingPathComponent("layer.tar")
            try await makeTar(of: tree.root, to: tar)
            let plain = try Data(contentsOf: tar)
            let compressed = try Data(contentsOf: try await gzip(tar))
            #expect(try Self.decompress(compressed, .gzip, piece: piece) == plain)
        }
    }

    /// Concatenated members are one stream (as `gzip -dc` and Docker read them); a header
    /// with a file name is skipped.
    @Test func gzipMembersAndNames() async throws {
        try await Scratch.with { scratch in
            let first = scratch.appendingPathComponent("first.txt")
            let second = scratch.appendingPathComponent("second.txt")
            try Data("hello\n".utf8).write(to: first)
            try Data(String(repeating: "world ", count: 50_000).utf8).write(to: second)
            try await Command.checked("gzip", ["-k", first.path, second.path])
            let joined = try Data(contentsOf: URL(fileURLWithPath: first.path + ".gz")) + Data(contentsOf: URL(fileURLWithPath: second.path + ".gz"))
            let expected = try Data(contentsOf: first) + Data(contentsOf: second)
            for piece in [3, 1000, joined.count] {
                #expect(try Self.decompress(joined, .gzip, piece: piece) == expected)
            }
        }
    }

    @Test func zstdInPieces() async throws {
        try await Scratch.with { scratch in
            let file = scratch.appendingPathComponent("data.bin")
            try Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) }).write(to: file)
            guard (try? await Command.checked("zstd", ["-q", "-k", file.path])) != nil else {
                Issue.record("zstd is not installed (scripts/install-deps.sh --with-test-tools)")
                return
            }
            let compressed = try Data(contentsOf: URL(fileURLWithPath: file.path + ".zst"))
            for piece in [5, 65536] {
                #expect(try Self.decompress(compressed, .zstd, piece: piece) == Data(contentsOf: file))
            }
        }
    }

    @Test func truncatedAndGarbageAreCorrupt() async throws {
        try await Scratch.with { scratch in
            let file = scratch.appendingPathComponent("data.txt")
            try Data(String(repeating: "tarmac ", count: 10_000).utf8).write(to: file)
            let compressed = try Data(contentsOf: try await gzip(file))
            for bad in [compressed.prefix(compressed.count - 5), compressed + Data("xx".utf8), Data("not gzip at all".utf8)] {
                do {
                    _ = try Self.decompress(Data(bad), .gzip, piece: 100)
                    Issue.record("bad gzip data was accepted")
                } catch let error as ImageError {
                    #expect(error.code == .corrupt, "\(error)")
                }
            }
            // The hasher keeps the error for finalize() and never throws mid-stream.
            let hasher = try DiffIDHasher(compression: .gzip, label: "layer x")
            Data("garbage".utf8).withUnsafeBytes { hasher.update($0) }
            #expect(throws: ImageError.self) { try hasher.finalize() }
        }
    }

    @Test func diffIDOfAFileMatchesTheTarDigest() async throws {
        try await Scratch.with { scratch in
            let tree = try Tree.sample(at: scratch.appendingPathComponent("tree"))
            let tar = scratch.appendingPathComponent("layer.tar")
            try await makeTar(of: tree.root, to: tar)
            let gz = try await gzip(tar)
            let data = try Data(contentsOf: gz)
            let blob = StagedBlob(url: gz, digest: Digests.sha256(data), size: Int64(data.count), mediaType: MediaType.ociLayerGzip)
            #expect(try await LayerDiffID.compute(blob, compression: .gzip) == Digests.sha256(try Data(contentsOf: tar)))
            let hasher = try DiffIDHasher(compression: .gzip, label: "layer")
            data.withUnsafeBytes { hasher.update($0) }
            #expect(try hasher.finalize() == Digests.sha256(try Data(contentsOf: tar)))
        }
    }
}

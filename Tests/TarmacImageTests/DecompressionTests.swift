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
        try decompressor.finish { output.append(contentsOf: $0) }
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
            // Poorly compressible, so members span several of the decompressor's input buffers.
            var noise = Data(String(repeating: "world ", count: 50_000).utf8)
            var x: UInt64 = 88_172_645_463_325_252
            for _ in 0..<700_000 {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17
                noise.append(UInt8(truncatingIfNeeded: x))
            }
            try noise.write(to: second)
            try await Command.checked("gzip", ["-k", first.path, second.path])
            let one = try Data(contentsOf: URL(fileURLWithPath: first.path + ".gz"))
            let two = try Data(contentsOf: URL(fileURLWithPath: second.path + ".gz"))
            let joined = one + two + one + two
            let expected = try Data(contentsOf: first) + noise + Data(contentsOf: first) + noise
            for piece in [3, 1000, 65_536, joined.count] {
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
        }
    }

    /// The unpacker's hasher (batches hashed on a thread of its own) gives the digest of what
    /// it was fed, and abandoning it ends its thread without hanging.
    @Test func hasherThreadComputesTheDiffID() {
        let plain = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: ($0 * 31) >> 7) })
        let hasher = DiffIDHasher()
        var offset = 0
        while offset < plain.count {
            let end = min(offset + 50_000, plain.count)
            plain.subdata(in: offset..<end).withUnsafeBytes { hasher.update($0) }
            offset = end
        }
        #expect(hasher.finalize() == Digests.sha256(plain))
        #expect(DiffIDHasher().finalize() == Digests.sha256(Data()))

        let abandoned = DiffIDHasher()
        plain.withUnsafeBytes { abandoned.update($0) }
        abandoned.abandon()
    }
}

/// Computes a layer's diff id (the SHA-256 of its uncompressed tar) from the layer blob's
/// bytes as they arrive, decompressing in-process, so a download needs no second pass.
///
/// A decompression error does not interrupt the caller (the download goes on and its digest
/// is still checked); it is kept and thrown by ``finalize()``. Not thread-safe: one owner.
final class DiffIDHasher {
    private let decompressor: LayerDecompressor?
    private var counter = DigestCounter()
    private var failure: (any Error)?

    init(compression: LayerCompression, label: String) throws {
        decompressor = try LayerDecompressor.make(for: compression, label: label)
    }

    /// Feeds the next bytes of the blob (compressed as stored).
    func update(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        guard let decompressor else { return counter.update(bytes) }
        do {
            try decompressor.decompress(bytes) { counter.update($0) }
        } catch {
            failure = error
        }
    }

    /// The diff id of the bytes fed; throws when they were not valid compressed data.
    func finalize() throws -> String {
        if let failure { throw failure }
        try decompressor?.finish()
        return counter.finalize()
    }
}

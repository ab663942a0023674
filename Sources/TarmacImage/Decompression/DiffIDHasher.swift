import Foundation

/// Computes a layer's diff id (the SHA-256 of its uncompressed tar) from the layer blob's
/// bytes as they arrive, decompressing in-process, so a download needs no second pass.
///
/// A decompression error does not interrupt the caller (the download goes on and its digest
/// is still checked); it is kept and thrown by ``finalize()``. Not thread-safe: one owner.
/// With `threaded`, the uncompressed bytes are hashed on a ``HashThread`` in 1 MiB batches
/// (the owner must then end it with ``finalize()`` or ``abandon()``).
final class DiffIDHasher {
    private static let batchSize = 1 << 20
    private let decompressor: LayerDecompressor?
    private var counter = DigestCounter()
    private let hashThread: HashThread?
    private var batch = Data()
    private var failure: (any Error)?

    init(compression: LayerCompression, label: String, threaded: Bool = false) throws {
        decompressor = try LayerDecompressor.make(for: compression, label: label)
        hashThread = threaded ? HashThread() : nil
        if threaded { batch.reserveCapacity(Self.batchSize) }
    }

    /// Feeds the next bytes of the blob (compressed as stored).
    func update(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        guard let decompressor else { return hash(bytes) }
        do {
            try decompressor.decompress(bytes) { hash($0) }
        } catch {
            failure = error
        }
    }

    private func hash(_ bytes: UnsafeRawBufferPointer) {
        guard let hashThread else { return counter.update(bytes) }
        batch.append(bytes.assumingMemoryBound(to: UInt8.self))
        if batch.count >= Self.batchSize {
            hashThread.submit(batch)
            batch = Data()
            batch.reserveCapacity(Self.batchSize)
        }
    }

    /// The diff id of the bytes fed; throws when they were not valid compressed data.
    func finalize() throws -> String {
        do {
            if let failure { throw failure }
            try decompressor?.finish { hash($0) }
        } catch {
            hashThread?.abandon()
            throw error
        }
        guard let hashThread else { return counter.finalize() }
        if !batch.isEmpty { hashThread.submit(batch) }
        return hashThread.finish()
    }

    /// Stops the hash thread (when there is one) without a result.
    func abandon() {
        hashThread?.abandon()
    }
}

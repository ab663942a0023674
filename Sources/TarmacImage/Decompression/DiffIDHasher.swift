import Foundation

/// Computes a layer's diff id (the SHA-256 of its uncompressed tar) from the uncompressed
/// bytes as the unpacker extracts them, hashing on a ``HashThread`` in 1 MiB batches so the
/// hash runs in parallel with decompressing and writing the files.
///
/// Not thread-safe: one owner, which must end it with ``finalize()`` or ``abandon()``.
final class DiffIDHasher {
    private static let batchSize = 1 << 20
    private let hashThread = HashThread()
    private var batch = Data()

    init() {
        batch.reserveCapacity(Self.batchSize)
    }

    /// Feeds the next bytes of the uncompressed tar.
    func update(_ bytes: UnsafeRawBufferPointer) {
        batch.append(bytes.assumingMemoryBound(to: UInt8.self))
        if batch.count >= Self.batchSize {
            hashThread.submit(batch)
            batch = Data()
            batch.reserveCapacity(Self.batchSize)
        }
    }

    /// The diff id of the bytes fed; ends the hash thread.
    func finalize() -> String {
        if !batch.isEmpty { hashThread.submit(batch) }
        batch = Data()
        return hashThread.finish()
    }

    /// Ends the hash thread without a result (the unpack failed).
    func abandon() {
        hashThread.abandon()
    }
}

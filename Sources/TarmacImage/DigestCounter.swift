import Crypto
import Foundation

/// Streams bytes into a SHA-256 digest and counts them.
struct DigestCounter {
    private var hasher = SHA256()
    private(set) var size: Int64 = 0

    mutating func update(_ data: Data) {
        hasher.update(data: data)
        size += Int64(data.count)
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
        size += Int64(bytes.count)
    }

    func finalize() -> String { "sha256:" + Digests.hex(hasher.finalize()) }
}

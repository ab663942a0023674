import Foundation

/// The diff id of a layer blob: the digest of its uncompressed tar.
enum LayerDiffID {
    /// Decompresses `blob` (when compressed) and hashes the tar; `scratch` holds the
    /// decompressor's stderr.
    static func compute(_ blob: StagedBlob, compression: LayerCompression, scratch: URL) async throws -> String {
        guard let decompressor = compression.decompressor else { return blob.digest }
        return try await Blocking.run {
            var counter = DigestCounter()
            try ExternalProcess.checked(
                decompressor.program, decompressor.arguments + [blob.url.path],
                scratch: scratch, what: "decompressing layer \(blob.digest)"
            ) { chunk in counter.update(chunk) }
            return counter.finalize()
        }
    }
}

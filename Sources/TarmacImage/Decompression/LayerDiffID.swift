import Foundation

/// The diff id of a stored or staged layer blob: the digest of its uncompressed tar.
enum LayerDiffID {
    /// Reads `blob`, decompressing it in-process when compressed, and hashes the tar.
    static func compute(_ blob: StagedBlob, compression: LayerCompression) async throws -> String {
        guard compression != .uncompressed else { return blob.digest }
        return try await Blocking.run {
            var counter = DigestCounter()
            try LayerStream.read(blob.url, compression: compression, label: "layer \(blob.digest)") { chunk in
                counter.update(chunk)
            }
            return counter.finalize()
        }
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging

extension ImageStore {
    /// The unpacked directories of `record`'s layers, lowest first, ready to be overlayfs
    /// lower dirs. Layers are unpacked on first use and shared by every image that has them
    /// (they are named by diff id). Unpacking needs root.
    ///
    /// Each directory appears once (overlayfs refuses a repeated lower dir): a layer that
    /// occurs twice keeps only its highest position, which gives the same file system
    /// because the upper copy re-applies everything the lower one did.
    public func layerDirectories(for record: ImageRecord) async throws -> [String] {
        var directories: [String] = []
        for layer in record.layers {
            let destination = try layerURL(diffID: layer.diffID)
            if FileSystem.kind(destination.path) != .directory {
                try await unpack(layer, to: destination)
            }
            directories.removeAll { $0 == destination.path }
            directories.append(destination.path)
        }
        return directories
    }

    /// Extracts a layer blob with `LayerExtractor` (whiteouts converted on the way, escapes
    /// refused) into a private staging directory, then renames it into `layers/`: a crash
    /// or a refused layer never leaves anything there. When another process finishes the
    /// same layer first, its copy wins and ours is discarded.
    ///
    /// This is where a layer's diff id is checked (as containerd does): the uncompressed tar
    /// is hashed while it is extracted, and a layer that does not hash to the diff id its
    /// image config names is discarded, never renamed into `layers/`. A pull verifies only the
    /// blob digests, so until its layers are unpacked an image's diff ids are the config's word.
    func unpack(_ layer: ImageRecord.Layer, to destination: URL) async throws {
        guard let compression = MediaType.layerCompression(layer.mediaType) else {
            throw ImageError(.unsupported, "layer \(layer.digest) has media type \(layer.mediaType), which this store cannot unpack")
        }
        let blob = try blobURL(layer.digest)
        guard FileSystem.kind(blob.path) == .regular else {
            throw ImageError(.notFound, "layer blob \(layer.digest) is missing from the image store at \(root.path); remove the image and import it again")
        }
        let staging = try makeStagingDirectory("unpack")
        defer { removeQuietly(staging) }
        let tree = staging.appendingPathComponent("rootfs", isDirectory: true)
        try FileSystem.makeDirectory(tree, mode: 0o755)
        let store = self
        let entries = try await Blocking.run {
            let label = "layer \(layer.digest)" + (geteuid() == 0 ? "" : " (unpacking layers needs root)")
            let (entries, diffID) = try LayerExtractor.with(root: tree.path, label: label, logger: store.logger) { extractor in
                try Self.extract(blob, digest: layer.digest, compression: compression, label: label, into: extractor)
            }
            guard diffID == layer.diffID else {
                throw ImageError(.corrupt, "layer \(layer.digest) unpacks to \(diffID) but the image config expects diff id \(layer.diffID); the image is corrupt and the layer was discarded: remove the image and get a good copy")
            }
            try FileSystem.makeDirectory(store.layersDirectory, mode: 0o700)
            if try FileSystem.renameIfAbsent(tree.path, to: destination.path) {
                FileSystem.syncDirectory(store.layersDirectory.path)
            }
            return entries
        }
        logger.info("image store: unpacked layer", metadata: ["diff_id": "\(layer.diffID)", "path": "\(destination.path)", "entries": "\(entries)"])
    }

    /// Streams the blob's tar into `extractor`, hashing it on the way; returns the entry
    /// count and the diff id. An uncompressed layer's diff id is its blob digest, which was
    /// verified when the blob was stored.
    private static func extract(
        _ blob: URL, digest: String, compression: LayerCompression, label: String, into extractor: LayerExtractor
    ) throws -> (entries: Int, diffID: String) {
        let hasher = compression == .uncompressed ? nil : DiffIDHasher()
        do {
            try LayerStream.read(blob, compression: compression, label: label) { chunk in
                hasher?.update(chunk)
                try extractor.consume(chunk)
            }
            try extractor.finish()
        } catch {
            hasher?.abandon()
            throw error
        }
        return (extractor.entryCount, hasher?.finalize() ?? digest)
    }
}

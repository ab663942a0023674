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
            let entries = try LayerExtractor.with(root: tree.path, label: label, logger: store.logger) { extractor in
                try LayerStream.read(blob, compression: compression, label: label) { chunk in
                    try extractor.consume(chunk)
                }
                try extractor.finish()
                return extractor.entryCount
            }
            try FileSystem.makeDirectory(store.layersDirectory, mode: 0o700)
            if try FileSystem.renameIfAbsent(tree.path, to: destination.path) {
                FileSystem.syncDirectory(store.layersDirectory.path)
            }
            return entries
        }
        logger.info("image store: unpacked layer", metadata: ["diff_id": "\(layer.diffID)", "path": "\(destination.path)", "entries": "\(entries)"])
    }
}

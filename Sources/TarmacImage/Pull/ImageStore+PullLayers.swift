import Foundation
import Logging

extension ImageStore {
    struct LayerJob: Sendable {
        var position: Int
        var descriptor: OCIDescriptor
        var expectedDiffID: String
        var label: String
    }

    struct FetchedLayer: Sendable {
        var blob: StagedBlob
        var layer: ImageRecord.Layer
    }

    /// One layer: linked from the store when its blob is there already, downloaded (and
    /// checked against its digest) otherwise. Its diff id is the config's; it is checked when
    /// the layer is unpacked (``unpack(_:to:)``), as containerd does, not here.
    func fetchLayer(
        _ job: LayerJob, stored: Set<String>, staging: URL, endpoint: RegistryEndpoint, path: String,
        registry: RegistryClient, progress: TransferProgressHandler?
    ) async throws -> FetchedLayer {
        let descriptor = job.descriptor
        var stored = stored
        for _ in 0..<3 {
            if stored.contains(descriptor.digest), let linked = try? linkStored(descriptor, into: staging) {
                progress?(.blob(BlobProgress(digest: descriptor.digest, label: job.label, completed: descriptor.size, total: descriptor.size, phase: .alreadyPresent)))
                return FetchedLayer(blob: linked, layer: .init(digest: descriptor.digest, diffID: job.expectedDiffID, mediaType: descriptor.mediaType, size: descriptor.size))
            }
            let partial = temporaryDirectory.appendingPathComponent("download-" + (try Digests.hexPart(of: descriptor.digest)))
            let download = BlobDownload(
                client: registry, endpoint: endpoint, path: path, descriptor: descriptor, partial: partial,
                label: job.label, progress: progress
            )
            guard let blob = try await download.run(into: staging) else {
                // Another pull took the partial file: it may have stored the layer meanwhile.
                stored = try storedLayerDigests()
                continue
            }
            progress?(.blob(BlobProgress(digest: descriptor.digest, label: job.label, completed: blob.size, total: blob.size, phase: .done)))
            return FetchedLayer(blob: blob, layer: .init(digest: descriptor.digest, diffID: job.expectedDiffID, mediaType: descriptor.mediaType, size: blob.size))
        }
        throw ImageError(.io, "layer \(descriptor.digest) was taken over by concurrent pulls three times; run the pull again")
    }

    /// Digests of the layer blobs already in the store (verified against them when stored).
    func storedLayerDigests() throws -> Set<String> {
        Set(try list().flatMap { $0.layers.map(\.digest) })
    }

    /// Hard-links a stored blob into staging, so the commit keeps it even if the image that
    /// brought it is removed meanwhile.
    func linkStored(_ descriptor: OCIDescriptor, into staging: URL) throws -> StagedBlob {
        let source = try blobURL(descriptor.digest)
        let target = staging.appendingPathComponent("stored-" + (try Digests.hexPart(of: descriptor.digest)))
        try FileManager.default.linkItem(at: source, to: target)
        return StagedBlob(url: target, digest: descriptor.digest, size: descriptor.size, mediaType: descriptor.mediaType)
    }
}

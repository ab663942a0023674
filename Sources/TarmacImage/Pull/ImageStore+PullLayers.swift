import Foundation
import Logging

extension ImageStore {
    struct LayerJob: Sendable {
        var position: Int
        var descriptor: OCIDescriptor
        var compression: LayerCompression
        var expectedDiffID: String
        var label: String
    }

    struct FetchedLayer: Sendable {
        var blob: StagedBlob
        var layer: ImageRecord.Layer
    }

    /// One layer: linked from the store when it is there already, downloaded otherwise (its
    /// diff id computed on the way) and checked against the config's diff id.
    func fetchLayer(
        _ job: LayerJob, known: [String: String], staging: URL, endpoint: RegistryEndpoint, path: String,
        registry: RegistryClient, progress: TransferProgressHandler?
    ) async throws -> FetchedLayer {
        let descriptor = job.descriptor
        var known = known
        for _ in 0..<3 {
            if let diffID = known[descriptor.digest], diffID == job.expectedDiffID, let linked = try? linkStored(descriptor, into: staging) {
                progress?(.blob(BlobProgress(digest: descriptor.digest, label: job.label, completed: descriptor.size, total: descriptor.size, phase: .alreadyPresent)))
                return FetchedLayer(blob: linked, layer: .init(digest: descriptor.digest, diffID: diffID, mediaType: descriptor.mediaType, size: descriptor.size))
            }
            let partial = temporaryDirectory.appendingPathComponent("download-" + (try Digests.hexPart(of: descriptor.digest)))
            let download = BlobDownload(
                client: registry, endpoint: endpoint, path: path, descriptor: descriptor, partial: partial,
                label: job.label, progress: progress, compression: job.compression
            )
            guard let downloaded = try await download.run(into: staging) else {
                // Another pull took the partial file: it may have stored the layer meanwhile.
                known = try knownDiffIDs()
                continue
            }
            let blob = downloaded.blob
            let diffID: String
            if let computed = downloaded.diffID {
                diffID = computed
            } else {
                progress?(.blob(BlobProgress(digest: descriptor.digest, label: job.label, completed: blob.size, total: blob.size, phase: .verifying)))
                diffID = try await LayerDiffID.compute(blob, compression: job.compression)
            }
            guard diffID == job.expectedDiffID else {
                throw ImageError(.corrupt, "layer \(descriptor.digest) unpacks to \(diffID) but the image config expects diff id \(job.expectedDiffID); the image in the registry is corrupt and nothing was stored")
            }
            progress?(.blob(BlobProgress(digest: descriptor.digest, label: job.label, completed: blob.size, total: blob.size, phase: .done)))
            return FetchedLayer(blob: blob, layer: .init(digest: descriptor.digest, diffID: diffID, mediaType: descriptor.mediaType, size: blob.size))
        }
        throw ImageError(.io, "layer \(descriptor.digest) was taken over by concurrent pulls three times; run the pull again")
    }

    /// Layer blob digest → diff id, for layers already in the store (verified when stored).
    func knownDiffIDs() throws -> [String: String] {
        var result: [String: String] = [:]
        for record in try list() {
            for layer in record.layers { result[layer.digest] = layer.diffID }
        }
        return result
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

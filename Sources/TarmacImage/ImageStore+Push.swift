import Foundation
import Logging
import TarmacModel

extension ImageStore {
    /// Pushes the stored image `local` to `remote` (`REGISTRY/REPO[:TAG]`): each blob the
    /// registry lacks is mounted from the repository the image came from when that is on the
    /// same registry, or uploaded (monolithic up to the chunk size, chunked above), then the
    /// manifest is PUT under the tag. Returns the manifest digest.
    @discardableResult
    public func push(_ local: String, to remote: String, using registry: RegistryClient, progress: TransferProgressHandler? = nil) async throws -> String {
        let record = try resolve(local)
        let target = try Self.parseReference(remote)
        guard target.digest == nil else {
            throw ImageError(.invalidReference, "push to \"\(remote)\" names a digest; push to REGISTRY/REPO:TAG (the registry computes the digest)")
        }
        let endpoint = registry.endpoint(target.registryHost)
        let path = target.path
        let source = record.parsedReference.flatMap { origin -> String? in
            origin.registryHost == target.registryHost && origin.path != path ? origin.path : nil
        }
        let manifestData = try readBlob(record.digest)
        let manifest = try Self.decodeJSON(OCIManifest.self, manifestData, what: "stored manifest \(record.digest)")
        let blobs = [manifest.config] + manifest.layers
        let count = blobs.count
        progress?(.status("pushing \(record.parsedReference?.familiar ?? record.reference) to \(target.familiar)"))
        let store = self
        _ = try await Bounded.map(Array(blobs.enumerated()), limit: registry.configuration.maxConcurrentTransfers) { position, descriptor in
            let label = position == 0 ? "config \(Digests.short(descriptor.digest))" : "layer \(position)/\(count - 1) \(Digests.short(descriptor.digest))"
            try await store.pushBlob(descriptor, label: label, mountFrom: source, endpoint: endpoint, path: path, registry: registry, progress: progress)
            return true
        }
        try await registry.putManifest(endpoint, path: path, reference: target.tag ?? "latest", data: manifestData, mediaType: record.mediaType)
        logger.info("image store: pushed image", metadata: ["image": "\(record.reference)", "remote": "\(target.description)", "digest": "\(record.digest)"])
        return record.digest
    }

    private func pushBlob(
        _ descriptor: OCIDescriptor, label: String, mountFrom source: String?, endpoint: RegistryEndpoint, path: String,
        registry: RegistryClient, progress: TransferProgressHandler?
    ) async throws {
        func report(_ completed: Int64, _ phase: BlobProgress.Phase) {
            progress?(.blob(BlobProgress(digest: descriptor.digest, label: label, completed: completed, total: descriptor.size, phase: phase)))
        }
        if try await registry.blobExists(endpoint, path: path, digest: descriptor.digest) {
            return report(descriptor.size, .alreadyPresent)
        }
        let file = try blobURL(descriptor.digest)
        guard FileSystem.kind(file.path) == .regular else {
            throw ImageError(.notFound, "blob \(descriptor.digest) is missing from the image store at \(root.path); remove the image and pull or import it again")
        }
        guard let location = try await registry.startUpload(endpoint, path: path, mount: source.map { (descriptor.digest, $0) }) else {
            return report(descriptor.size, .mounted)
        }
        let progress = progress
        try await registry.upload(file, digest: descriptor.digest, size: descriptor.size, to: location, endpoint: endpoint, path: path) { sent in
            progress?(.blob(BlobProgress(digest: descriptor.digest, label: label, completed: sent, total: descriptor.size, phase: .transferring)))
        }
        report(descriptor.size, .done)
    }
}

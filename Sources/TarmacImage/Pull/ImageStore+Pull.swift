import Foundation
import Logging
import TarmacModel

extension ImageStore {
    /// Pulls `reference` (`NAME[:TAG]`, `NAME@sha256:…`, `NAME:TAG@sha256:…`) from its
    /// registry into the store and points its name at it, replacing what the name pointed at.
    ///
    /// Manifests, configs and layers are verified against their digests as they stream, and
    /// layers against the config's diff ids (computed while they download); nothing
    /// unverified enters the store. An image index resolves to this host's platform
    /// (linux/amd64); its digest is remembered, so `NAME@<index digest>` resolves locally
    /// afterwards. Layers already in the store are not downloaded; the others are downloaded
    /// concurrently and resume after an interruption. Concurrent pulls of the same reference
    /// share one pull in a process, and of the same image one download across processes.
    public func pull(_ reference: String, using registry: RegistryClient, progress: TransferProgressHandler? = nil) async throws -> ImageRecord {
        let parsed = try Self.parseReference(reference)
        let key = root.standardizedFileURL.path + "\n" + parsed.description
        let store = self
        return try await registry.pulls.run(key) {
            let pending = try await store.preparePull(parsed, using: registry, progress: progress)
            return try await store.completePull(pending, using: registry, progress: progress)
        }
    }

    /// The image `reference` names: from the store when it is there (no registry asked),
    /// pulled otherwise.
    public func resolveOrPull(_ reference: String, using registry: RegistryClient, progress: TransferProgressHandler? = nil) async throws -> ImageRecord {
        if let record = try? resolve(reference) { return record }
        return try await pull(reference, using: registry, progress: progress)
    }

    /// First half of a pull: resolves `reference` on its registry to a platform manifest and
    /// fetches and checks that manifest and its config (small documents). A reference the
    /// registry does not have, or an image this store cannot run, fails here.
    public func preparePull(_ reference: String, using registry: RegistryClient, progress: TransferProgressHandler? = nil) async throws -> PendingPull {
        try await preparePull(try Self.parseReference(reference), using: registry, progress: progress)
    }

    func preparePull(_ reference: ImageReference, using registry: RegistryClient, progress: TransferProgressHandler?) async throws -> PendingPull {
        let endpoint = registry.endpoint(reference.registryHost)
        let path = reference.path
        let display = reference.familiar
        progress?(.status("resolving \(display) on \(endpoint.host)"))
        var fetched = try await registry.fetchManifest(endpoint, path: path, reference: reference.digest ?? reference.tag ?? "latest", display: display)
        var indexDigest: String?
        for _ in 0..<4 where MediaType.isIndex(fetched.mediaType) {
            indexDigest = fetched.digest
            let index = try Self.decodeJSON(OCIIndex.self, fetched.data, what: "image index \(fetched.digest) of \(display)")
            let chosen = try OCILayoutReader.choosePlatform(index.manifests, in: "\(display) (\(fetched.digest))")
            fetched = try await registry.fetchManifest(endpoint, path: path, reference: chosen.digest, display: display)
        }
        guard MediaType.isManifest(fetched.mediaType) else {
            throw ImageError(.unsupported, "image indexes of \(display) are nested too deeply")
        }
        let manifest = try Self.decodeJSON(OCIManifest.self, fetched.data, what: "manifest \(fetched.digest) of \(display)")
        try manifest.layers.forEach(Self.checkPullable)
        let configData = try await registry.fetchSmallBlob(endpoint, path: path, descriptor: manifest.config)
        let configuration = try Self.decodeJSON(OCIImageConfiguration.self, configData, what: "image config \(manifest.config.digest) of \(display)")
        try Self.checkPlatform(configuration)
        guard configuration.rootfs.diffIDs.count == manifest.layers.count else {
            throw ImageError(.corrupt, "image config \(manifest.config.digest) of \(display) lists \(configuration.rootfs.diffIDs.count) diff ids for \(manifest.layers.count) layers; the image is malformed")
        }
        let name = ImageReference(
            domain: reference.domain, path: reference.path, tag: reference.tag,
            digest: reference.tag == nil ? fetched.digest : nil)
        return PendingPull(
            name: name, digest: fetched.digest, indexDigest: indexDigest, manifestData: fetched.data, mediaType: fetched.mediaType,
            manifest: manifest, configData: configData, configuration: configuration, endpoint: endpoint)
    }

    /// Second half of a pull: downloads the layers the store lacks (verifying their digests as
    /// they stream) and commits the image under its name. Diff ids are checked when the layers
    /// are unpacked (``layerDirectories(for:)``).
    ///
    /// Holds a lock file per image digest (`locks/<hex>`) for the whole download, shared by
    /// every process using the store: a second pull of the same image, from this process or
    /// another (a CLI pull while `tarmac dev` pulls for a machine), waits for the first and
    /// then finds the layers stored instead of downloading them again.
    public func completePull(_ pending: PendingPull, using registry: RegistryClient, progress: TransferProgressHandler? = nil) async throws -> ImageRecord {
        try prepare()
        try FileSystem.makeDirectory(locksDirectory, mode: 0o700)
        let lock = locksDirectory.appendingPathComponent(try Digests.hexPart(of: pending.digest))
        return try await PullLock.withLock(lock, waiting: {
            progress?(.status("waiting for another pull of \(pending.display) (\(Digests.short(pending.digest)))"))
        }) {
            try await downloadAndCommit(pending, using: registry, progress: progress)
        }
    }

    private func downloadAndCommit(_ pending: PendingPull, using registry: RegistryClient, progress: TransferProgressHandler?) async throws -> ImageRecord {
        let staging = try makeStagingDirectory("pull")
        defer { removeQuietly(staging) }
        let manifest = pending.manifest
        let manifestBlob = try BlobWriter.stage(pending.manifestData, mediaType: pending.mediaType, in: staging)
        let configBlob = try BlobWriter.stage(pending.configData, mediaType: manifest.config.mediaType, in: staging)
        let stored = try storedLayerDigests()
        let jobs = manifest.layers.enumerated().map { position, descriptor in
            LayerJob(
                position: position, descriptor: descriptor,
                expectedDiffID: pending.configuration.rootfs.diffIDs[position],
                label: "layer \(position + 1)/\(manifest.layers.count) \(Digests.short(descriptor.digest))"
            )
        }
        let store = self
        let endpoint = pending.endpoint
        let path = pending.name.path
        let fetchedLayers = try await Bounded.map(jobs, limit: registry.configuration.maxConcurrentTransfers) { job in
            try await store.fetchLayer(job, stored: stored, staging: staging, endpoint: endpoint, path: path, registry: registry, progress: progress)
        }
        let staged = [manifestBlob, configBlob] + fetchedLayers.map(\.blob)
        return try await commitImage(
            staged, reference: pending.name.description, manifest: manifestBlob, mediaType: pending.mediaType, config: configBlob,
            layers: fetchedLayers.map(\.layer), configuration: pending.configuration, indexDigest: pending.indexDigest,
            action: "pulled")
    }

    /// Refuses a layer the store could not unpack: foreign layers and unknown media types.
    static func checkPullable(_ descriptor: OCIDescriptor) throws {
        if descriptor.mediaType.contains("foreign") || descriptor.mediaType.contains("nondistributable") {
            throw ImageError(.unsupported, "layer \(descriptor.digest) is a foreign (non-distributable) layer of type \(descriptor.mediaType), which must be fetched from elsewhere (such as Windows base layers); Tarmac does not pull foreign layers")
        }
        guard MediaType.layerCompression(descriptor.mediaType) != nil else {
            throw ImageError(.unsupported, "layer \(descriptor.digest) has media type \(descriptor.mediaType), which this store cannot unpack (supported: tar, tar+gzip, tar+zstd)")
        }
    }

    static func decodeJSON<T: Decodable>(_ type: T.Type, _ data: Data, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw ImageError(.invalidInput, "\(what) is not valid", cause: error)
        }
    }
}

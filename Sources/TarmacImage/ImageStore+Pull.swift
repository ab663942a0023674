import Foundation
import Logging
import TarmacModel

extension ImageStore {
    /// Pulls `reference` (`NAME[:TAG]`, `NAME@sha256:…`, `NAME:TAG@sha256:…`) from its
    /// registry into the store and points its name at it, replacing what the name pointed at.
    ///
    /// Manifests, configs and layers are verified against their digests as they stream, and
    /// layers against the config's diff ids; nothing unverified enters the store. An image
    /// index resolves to this host's platform (linux/amd64). Layers already in the store are
    /// not downloaded; the others are downloaded concurrently and resume after an interruption.
    /// Concurrent pulls of the same reference into the same store share one pull.
    public func pull(_ reference: String, using registry: RegistryClient, progress: TransferProgressHandler? = nil) async throws -> ImageRecord {
        let parsed = try Self.parseReference(reference)
        let key = root.standardizedFileURL.path + "\n" + parsed.description
        let store = self
        return try await registry.pulls.run(key) {
            try await store.performPull(parsed, using: registry, progress: progress)
        }
    }

    /// The image `reference` names: from the store when it is there (no registry asked),
    /// pulled otherwise.
    public func resolveOrPull(_ reference: String, using registry: RegistryClient, progress: TransferProgressHandler? = nil) async throws -> ImageRecord {
        if let record = try? resolve(reference) { return record }
        return try await pull(reference, using: registry, progress: progress)
    }

    private func performPull(_ reference: ImageReference, using registry: RegistryClient, progress: TransferProgressHandler?) async throws -> ImageRecord {
        let endpoint = registry.endpoint(reference.registryHost)
        let path = reference.path
        let display = reference.familiar
        progress?(.status("resolving \(display) on \(endpoint.host)"))
        var fetched = try await registry.fetchManifest(endpoint, path: path, reference: reference.digest ?? reference.tag ?? "latest", display: display)
        for _ in 0..<4 where MediaType.isIndex(fetched.mediaType) {
            let index = try Self.decodeJSON(OCIIndex.self, fetched.data, what: "image index \(fetched.digest) of \(display)")
            let chosen = try OCILayoutReader.choosePlatform(index.manifests, in: "\(display) (\(fetched.digest))")
            fetched = try await registry.fetchManifest(endpoint, path: path, reference: chosen.digest, display: display)
        }
        guard MediaType.isManifest(fetched.mediaType) else {
            throw ImageError(.unsupported, "image indexes of \(display) are nested too deeply")
        }
        let manifest = try Self.decodeJSON(OCIManifest.self, fetched.data, what: "manifest \(fetched.digest) of \(display)")
        let compressions = try manifest.layers.map(Self.pullableCompression)
        let configData = try await registry.fetchSmallBlob(endpoint, path: path, descriptor: manifest.config)
        let configuration = try Self.decodeJSON(OCIImageConfiguration.self, configData, what: "image config \(manifest.config.digest) of \(display)")
        try Self.checkPlatform(configuration)
        guard configuration.rootfs.diffIDs.count == manifest.layers.count else {
            throw ImageError(.corrupt, "image config \(manifest.config.digest) of \(display) lists \(configuration.rootfs.diffIDs.count) diff ids for \(manifest.layers.count) layers; the image is malformed")
        }

        let staging = try makeStagingDirectory("pull")
        defer { removeQuietly(staging) }
        let manifestBlob = try BlobWriter.stage(fetched.data, mediaType: fetched.mediaType, in: staging)
        let configBlob = try BlobWriter.stage(configData, mediaType: manifest.config.mediaType, in: staging)
        let known = try knownDiffIDs()
        let jobs = manifest.layers.enumerated().map { position, descriptor in
            LayerJob(
                position: position, descriptor: descriptor, compression: compressions[position],
                expectedDiffID: configuration.rootfs.diffIDs[position],
                label: "layer \(position + 1)/\(manifest.layers.count) \(Digests.short(descriptor.digest))"
            )
        }
        let store = self
        let fetchedLayers = try await Bounded.map(jobs, limit: registry.configuration.maxConcurrentTransfers) { job in
            try await store.fetchLayer(job, known: known, staging: staging, endpoint: endpoint, path: path, registry: registry, progress: progress)
        }
        let staged = [manifestBlob, configBlob] + fetchedLayers.map(\.blob)
        return try await commitImage(
            staged, reference: Self.storedName(reference, manifestDigest: manifestBlob.digest), manifest: manifestBlob,
            mediaType: fetched.mediaType, config: configBlob, layers: fetchedLayers.map(\.layer), configuration: configuration,
            action: "pulled")
    }

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

    /// One layer: linked from the store when it is there already, downloaded otherwise, and
    /// checked against the config's diff id.
    private func fetchLayer(
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
            // A fresh download is decompressed while it arrives; a resumed one afterwards.
            let follower: DiffIDFollower? = FileSystem.kind(partial.path) == .missing && job.compression.decompressor != nil ? DiffIDFollower() : nil
            var written: (@Sendable (Int64) -> Void)?
            if let follower { written = { bytes in follower.advance(to: bytes) } }
            let download = BlobDownload(
                client: registry, endpoint: endpoint, path: path, descriptor: descriptor, partial: partial,
                label: job.label, progress: progress, written: written
            )
            async let followed = Self.follow(follower, file: partial, descriptor: descriptor, compression: job.compression)
            let downloaded: StagedBlob?
            do {
                downloaded = try await download.run(into: staging)
            } catch {
                follower?.abandon()
                _ = await followed
                throw error
            }
            guard let blob = downloaded else {
                follower?.abandon()
                _ = await followed
                // Another pull took the partial file: it may have stored the layer meanwhile.
                known = try knownDiffIDs()
                continue
            }
            // Every byte is on disk (also when another process finished the file for us).
            follower?.advance(to: blob.size)
            progress?(.blob(BlobProgress(digest: descriptor.digest, label: job.label, completed: blob.size, total: blob.size, phase: .verifying)))
            let diffID: String
            if let value = await followed, value == job.expectedDiffID {
                diffID = value
            } else {
                diffID = try await LayerDiffID.compute(blob, compression: job.compression, scratch: staging)
            }
            guard diffID == job.expectedDiffID else {
                throw ImageError(.corrupt, "layer \(descriptor.digest) unpacks to \(diffID) but the image config expects diff id \(job.expectedDiffID); the image in the registry is corrupt and nothing was stored")
            }
            progress?(.blob(BlobProgress(digest: descriptor.digest, label: job.label, completed: blob.size, total: blob.size, phase: .done)))
            return FetchedLayer(blob: blob, layer: .init(digest: descriptor.digest, diffID: diffID, mediaType: descriptor.mediaType, size: blob.size))
        }
        throw ImageError(.io, "layer \(descriptor.digest) was taken over by concurrent pulls three times; run the pull again")
    }

    private static func follow(_ follower: DiffIDFollower?, file: URL, descriptor: OCIDescriptor, compression: LayerCompression) async -> String? {
        guard let follower, let decompressor = compression.decompressor else { return nil }
        return await follower.run(file: file, total: descriptor.size, decompressor: decompressor)
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

    /// The compression of a layer the store can pull; foreign layers are refused.
    static func pullableCompression(_ descriptor: OCIDescriptor) throws -> LayerCompression {
        if descriptor.mediaType.contains("foreign") || descriptor.mediaType.contains("nondistributable") {
            throw ImageError(.unsupported, "layer \(descriptor.digest) is a foreign (non-distributable) layer of type \(descriptor.mediaType), which must be fetched from elsewhere (such as Windows base layers); Tarmac does not pull foreign layers")
        }
        guard let compression = MediaType.layerCompression(descriptor.mediaType) else {
            throw ImageError(.unsupported, "layer \(descriptor.digest) has media type \(descriptor.mediaType), which this store cannot unpack (supported: tar, tar+gzip, tar+zstd)")
        }
        return compression
    }

    /// The name a pulled image is stored under: `REPO:TAG` when tagged, else `REPO@DIGEST`
    /// with the digest of the manifest stored (the platform's, when an index was named).
    static func storedName(_ reference: ImageReference, manifestDigest: String) -> String {
        ImageReference(
            domain: reference.domain, path: reference.path, tag: reference.tag,
            digest: reference.tag == nil ? manifestDigest : nil
        ).description
    }

    static func decodeJSON<T: Decodable>(_ type: T.Type, _ data: Data, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw ImageError(.invalidInput, "\(what) is not valid", cause: error)
        }
    }
}

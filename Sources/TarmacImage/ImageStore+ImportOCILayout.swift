import Foundation
import Logging
import TarmacModel

extension ImageStore {
    /// Imports one image from an OCI image layout directory.
    ///
    /// - Parameters:
    ///   - tag: the `org.opencontainers.image.ref.name` to pick from `index.json`; nil when
    ///     the layout holds one image (or one multi-platform image).
    ///   - reference: the name to store it under; nil to use the layout's own name for it
    ///     when that is a full reference (`docker.io/library/busybox:1.36`).
    ///
    /// Every blob is copied and verified against its digest, and every layer against the
    /// config's diff ids; on any mismatch nothing is stored.
    public func importOCILayout(
        _ layout: URL, selecting tag: String?, as reference: String?,
        progress: (@Sendable (String) -> Void)? = nil
    ) async throws -> ImageRecord {
        let explicitName = try reference.map(Self.parseName)
        let reader = OCILayoutReader(root: layout)
        let selection = try reader.select(tag: tag)
        let name = try explicitName ?? Self.nameFromAnnotations(selection.annotatedNames, layout: layout, tag: tag)
        let manifest = selection.manifest
        let configData = try reader.readVerified(manifest.config)
        let configuration = try reader.decode(OCIImageConfiguration.self, from: configData, what: "image config \(manifest.config.digest)")
        try Self.checkPlatform(configuration)
        guard configuration.rootfs.diffIDs.count == manifest.layers.count else {
            throw ImageError(.corrupt, "image config \(manifest.config.digest) lists \(configuration.rootfs.diffIDs.count) diff ids for \(manifest.layers.count) layers; the image is malformed")
        }
        var compressions: [LayerCompression] = []
        for layer in manifest.layers {
            guard let compression = MediaType.layerCompression(layer.mediaType) else {
                throw ImageError(.unsupported, "layer \(layer.digest) has media type \(layer.mediaType), which this store cannot unpack (supported: tar, tar+gzip, tar+zstd)")
            }
            compressions.append(compression)
        }

        let staging = try makeStagingDirectory("import")
        defer { removeQuietly(staging) }
        let manifestBlob = try BlobWriter.stage(selection.manifestData, mediaType: selection.manifestDescriptor.mediaType, in: staging)
        let configBlob = try BlobWriter.stage(configData, mediaType: manifest.config.mediaType, in: staging)
        var layers: [ImageRecord.Layer] = []
        var staged = [manifestBlob, configBlob]
        for (position, descriptor) in manifest.layers.enumerated() {
            let expectedDiffID = configuration.rootfs.diffIDs[position]
            let label = "layer \(position + 1)/\(manifest.layers.count) \(Digests.short(descriptor.digest))"
            progress?("copying \(label) (\(ByteCount.format(descriptor.size)))")
            let source = try reader.blobURL(descriptor.digest)
            let blob = try await Blocking.run { try BlobWriter.copy(source, verifying: descriptor, in: staging) }
            staged.append(blob)
            let compression = compressions[position]
            if compression != .uncompressed { progress?("verifying \(label)") }
            let diffID = try await LayerDiffID.compute(blob, compression: compression)
            guard diffID == expectedDiffID else {
                throw ImageError(.corrupt, "layer \(descriptor.digest) unpacks to \(diffID) but the image config expects diff id \(expectedDiffID); the image is corrupt, export it again")
            }
            layers.append(.init(digest: blob.digest, diffID: diffID, mediaType: descriptor.mediaType, size: blob.size))
        }

        progress?("writing blobs")
        return try await commitImage(
            staged, reference: name.description, manifest: manifestBlob, mediaType: selection.manifestDescriptor.mediaType,
            config: configBlob, layers: layers, configuration: configuration, action: "imported OCI layout")
    }

    /// The name a layout gives its image, when it is a full reference rather than a bare tag.
    static func nameFromAnnotations(_ names: [String], layout: URL, tag: String?) throws -> ImageReference {
        for candidate in names where candidate.contains("/") || candidate.contains(":") {
            if let reference = try? parseName(candidate) { return reference }
        }
        let shown = tag.map { ":\($0)" } ?? ""
        let known = names.first.map { "only by tag \"\($0)\"" } ?? "with no name"
        throw ImageError(.invalidInput, "the OCI layout at \(layout.path) names this image \(known); give a name to store it under: tarmac image import --oci-layout \(layout.path)\(shown) NAME:TAG")
    }

    static func checkPlatform(_ configuration: OCIImageConfiguration) throws {
        let host = OCIPlatform.current
        guard configuration.os == host.os, configuration.architecture == host.architecture else {
            throw ImageError(.unsupported, "the image is for \(configuration.os)/\(configuration.architecture) but this host runs \(host.description); export the \(host.description) variant")
        }
    }
}

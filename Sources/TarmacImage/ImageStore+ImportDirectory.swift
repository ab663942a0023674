import Foundation
import Logging
import TarmacModel

extension ImageStore {
    /// Packs `directory` into a single uncompressed tar layer and stores it as `reference`
    /// (`NAME[:TAG]`) with `config` as the image's runtime defaults.
    ///
    /// The layer is reproducible: entries sorted by name, numeric owners kept, every mtime set
    /// to the epoch, and the image config carries no timestamp, so importing an identical tree
    /// with the same config again yields the same layer, config and manifest digests.
    public func importDirectory(
        _ directory: URL, as reference: String, config: ImageConfig,
        progress: (@Sendable (String) -> Void)? = nil
    ) async throws -> ImageRecord {
        let name = try Self.parseName(reference)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ImageError(.invalidInput, "\(directory.path) is not a directory; give the directory holding the image's root file system")
        }
        let staging = try makeStagingDirectory("import")
        defer { removeQuietly(staging) }

        let tally = try await Blocking.run { DirectoryTally(counting: directory) }
        progress?("packing \(tally.entries) files and directories (\(ByteCount.format(tally.bytes))) from \(directory.path)")
        let layer = try await Self.packLayer(directory, into: staging, progress: progress)
        progress?("layer \(layer.digest) (\(ByteCount.format(layer.size)))")

        let imageConfiguration = OCIImageConfiguration(
            created: nil,
            architecture: OCIPlatform.current.architecture,
            os: OCIPlatform.current.os,
            variant: nil,
            config: OCIImageConfiguration.ContainerConfig(config),
            rootfs: .init(type: "layers", diffIDs: [layer.digest]),
            history: [.init(created: nil, createdBy: "tarmac image import", comment: "directory import", emptyLayer: nil)]
        )
        let configBlob = try BlobWriter.stage(try Self.canonicalJSON(imageConfiguration), mediaType: MediaType.ociConfig, in: staging)
        let manifest = OCIManifest(
            schemaVersion: 2, mediaType: MediaType.ociManifest,
            config: configBlob.descriptor, layers: [layer.descriptor], annotations: nil
        )
        let manifestBlob = try BlobWriter.stage(try Self.canonicalJSON(manifest), mediaType: MediaType.ociManifest, in: staging)

        progress?("writing blobs")
        let record = ImageRecord(
            reference: name.description,
            digest: manifestBlob.digest,
            mediaType: MediaType.ociManifest,
            configDigest: configBlob.digest,
            layers: [.init(digest: layer.digest, diffID: layer.digest, mediaType: layer.mediaType, size: layer.size)],
            config: config,
            size: layer.size + configBlob.size + manifestBlob.size,
            created: Self.now()
        )
        let stored = try await commit([layer, configBlob, manifestBlob], record: record)
        logger.info("image store: imported directory", metadata: ["image": "\(stored.reference)", "digest": "\(stored.digest)"])
        return stored
    }

    /// Runs GNU tar over `directory`, hashing and writing its output into a staged blob as it
    /// arrives (one short local-file write per pipe-sized chunk).
    static func packLayer(_ directory: URL, into staging: URL, progress: (@Sendable (String) -> Void)?) async throws -> StagedBlob {
        let writer = try BlobWriter(in: staging)
        var reported: Int64 = 0
        try await ExternalProcess.checked(
            "tar",
            [
                "--create", "--file=-", "--directory=\(directory.path)",
                "--numeric-owner", "--sort=name", "--mtime=@0", "--format=posix",
                "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
                ".",
            ],
            what: "packing \(directory.path)"
        ) { chunk in
            try writer.write(chunk)
            if writer.size - reported >= 256 << 20 {
                reported = writer.size
                progress?("packed \(ByteCount.format(writer.size))")
            }
        }
        return try writer.finish(mediaType: MediaType.ociLayer)
    }

    /// JSON with sorted keys and unescaped slashes: the same value always gives the same bytes.
    static func canonicalJSON(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(value)
        } catch {
            throw ImageError(.io, "cannot encode image metadata", cause: error)
        }
    }
}

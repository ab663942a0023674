import Foundation
import TarmacModel

/// One named image in the local store: the reference it was stored under, the manifest it
/// points at, and what a runtime needs from that manifest without reading it again.
public struct ImageRecord: Sendable, Hashable, Codable {
    /// Normalised reference, e.g. `docker.io/library/web:v1`.
    public var reference: String
    /// Digest of the image manifest (`sha256:…`); this is what `image_ref.digest` reports.
    public var digest: String
    /// Media type of the manifest blob (OCI or Docker schema 2).
    public var mediaType: String
    public var configDigest: String
    /// Layers, lowest first.
    public var layers: [Layer]
    public var config: ImageConfig
    /// Bytes stored for this image: manifest, config and (possibly compressed) layer blobs.
    public var size: Int64
    /// When this reference was first recorded with this digest.
    public var created: Date
    /// Digest of the image index `digest` was chosen from (multi-platform images pulled from
    /// a registry), so `NAME@<index digest>` names this image too. Absent in older stores.
    public var indexDigest: String?

    public struct Layer: Sendable, Hashable, Codable {
        /// Digest of the layer blob as stored (compressed or not).
        public var digest: String
        /// Digest of the uncompressed tar; names the unpacked directory.
        public var diffID: String
        public var mediaType: String
        /// Size of the blob in bytes.
        public var size: Int64

        public init(digest: String, diffID: String, mediaType: String, size: Int64) {
            self.digest = digest
            self.diffID = diffID
            self.mediaType = mediaType
            self.size = size
        }
    }

    public init(
        reference: String, digest: String, mediaType: String, configDigest: String, layers: [Layer],
        config: ImageConfig, size: Int64, created: Date, indexDigest: String? = nil
    ) {
        self.reference = reference
        self.digest = digest
        self.mediaType = mediaType
        self.configDigest = configDigest
        self.layers = layers
        self.config = config
        self.size = size
        self.created = created
        self.indexDigest = indexDigest
    }

    /// The parsed form of `reference`.
    public var parsedReference: ImageReference? { try? ImageReference(parsing: reference) }

    /// The API's `image_ref` for a machine running this image. Like Fly, the registry is
    /// the host serving the registry API (`registry-1.docker.io` for Docker Hub).
    public func imageRef() -> ImageRef {
        let parsed = parsedReference
        return ImageRef(
            registry: parsed?.registryHost ?? "",
            repository: parsed?.path ?? reference,
            tag: parsed?.tag ?? "",
            digest: digest,
            labels: config.labels ?? [:]
        )
    }
}

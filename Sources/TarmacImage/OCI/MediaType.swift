/// Media types of OCI and Docker image content.
enum MediaType {
    static let ociLayout = "application/vnd.oci.image.layout.v1+json"
    static let ociIndex = "application/vnd.oci.image.index.v1+json"
    static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    static let ociConfig = "application/vnd.oci.image.config.v1+json"
    static let ociLayer = "application/vnd.oci.image.layer.v1.tar"
    static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"

    static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    static let dockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

    static func isIndex(_ type: String?) -> Bool { type == ociIndex || type == dockerManifestList }
    static func isManifest(_ type: String?) -> Bool { type == ociManifest || type == dockerManifest }

    /// How a layer blob of `type` is compressed, or nil when it is not a layer type we unpack.
    static func layerCompression(_ type: String) -> LayerCompression? {
        switch type {
        case ociLayer, "application/vnd.oci.image.layer.nondistributable.v1.tar", "application/vnd.docker.image.rootfs.diff.tar":
            .uncompressed
        case ociLayerGzip, "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", dockerLayerGzip, dockerForeignLayerGzip:
            .gzip
        case ociLayerZstd, "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd":
            .zstd
        default:
            nil
        }
    }
}

/// Compression of a layer blob.
enum LayerCompression: Sendable {
    case uncompressed, gzip, zstd
}

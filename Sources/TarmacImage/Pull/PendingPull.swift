import Foundation
import TarmacModel

/// An image whose manifest and config have been fetched from its registry and checked, but
/// whose layers are not downloaded yet (``ImageStore/preparePull(_:using:progress:)``). Its
/// digest and config are final, so a caller can report what it will run (a machine's
/// `image_ref`) before ``ImageStore/completePull(_:using:progress:)`` fetches the layers.
public struct PendingPull: Sendable {
    /// The name the image will be stored under (`REPO:TAG`, or `REPO@DIGEST` when pinned).
    public let name: ImageReference
    /// Digest of the (platform) image manifest.
    public let digest: String
    /// Digest of the image index the manifest was chosen from, when the reference named one.
    public let indexDigest: String?
    /// Bytes of layer blobs the image has (compressed, as downloaded).
    public var layerBytes: Int64 { manifest.layers.reduce(0) { $0 + $1.size } }
    public var layerCount: Int { manifest.layers.count }

    let manifestData: Data
    let mediaType: String
    let manifest: OCIManifest
    let configData: Data
    let configuration: OCIImageConfiguration
    let endpoint: RegistryEndpoint

    /// The API's `image_ref` for a machine that will run this image.
    public var imageRef: ImageRef {
        ImageRef(
            registry: name.registryHost, repository: name.path, tag: name.tag ?? "", digest: digest,
            labels: configuration.config?.imageConfig.labels ?? [:])
    }

    /// What the pull calls the image in messages (`127.0.0.1:5000/app:v1`).
    public var display: String { name.familiar }
}

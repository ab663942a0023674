/// An OCI content descriptor: what a blob is, its digest and size.
struct OCIDescriptor: Sendable, Hashable, Codable {
    var mediaType: String
    var digest: String
    var size: Int64
    var annotations: [String: String]?
    var platform: OCIPlatform?

    init(mediaType: String, digest: String, size: Int64, annotations: [String: String]? = nil, platform: OCIPlatform? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
        self.platform = platform
    }

    static let refNameAnnotation = "org.opencontainers.image.ref.name"
    static let containerdNameAnnotation = "io.containerd.image.name"

    var refName: String? { annotations?[Self.refNameAnnotation] }
}

struct OCIPlatform: Sendable, Hashable, Codable {
    var architecture: String
    var os: String
    var variant: String?

    /// The platform of this host, the one images are selected for.
    static var current: OCIPlatform {
        #if arch(arm64)
        OCIPlatform(architecture: "arm64", os: "linux", variant: nil)
        #else
        OCIPlatform(architecture: "amd64", os: "linux", variant: nil)
        #endif
    }

    var description: String { [os, architecture, variant].compactMap { $0 }.joined(separator: "/") }
}

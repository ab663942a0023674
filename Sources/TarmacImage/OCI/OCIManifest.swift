/// An OCI image manifest (also the shape of a Docker schema 2 manifest).
struct OCIManifest: Sendable, Codable {
    var schemaVersion: Int
    var mediaType: String?
    var config: OCIDescriptor
    var layers: [OCIDescriptor]
    var annotations: [String: String]?
}

/// An OCI image index (also the shape of a Docker manifest list), and `index.json` of a layout.
struct OCIIndex: Sendable, Codable {
    var schemaVersion: Int
    var mediaType: String?
    var manifests: [OCIDescriptor]
    var annotations: [String: String]?
}

/// The `oci-layout` file at the root of an OCI image layout.
struct OCILayoutFile: Sendable, Codable {
    var imageLayoutVersion: String
}

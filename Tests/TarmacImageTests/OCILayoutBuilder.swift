import Foundation
@testable import TarmacImage

/// Writes an OCI image layout by hand: blobs, manifests, configs, `index.json`.
struct OCILayoutBuilder {
    var root: URL
    var blobs: URL { root.appendingPathComponent("blobs/sha256") }

    init(_ root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root.appendingPathComponent("blobs/sha256"), withIntermediateDirectories: true)
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: root.appendingPathComponent("oci-layout"))
    }

    @discardableResult
    func blob(_ data: Data, mediaType: String) throws -> OCIDescriptor {
        let digest = Digests.sha256(data)
        try data.write(to: blobs.appendingPathComponent(String(digest.dropFirst(7))))
        return OCIDescriptor(mediaType: mediaType, digest: digest, size: Int64(data.count))
    }

    func blobURL(_ descriptor: OCIDescriptor) -> URL {
        blobs.appendingPathComponent(String(descriptor.digest.dropFirst(7)))
    }

    /// Adds a layer blob from a tar file (gzipped when `gzip` is true); returns the
    /// descriptor and the diff id.
    func layer(tar: URL, gzip compressed: Bool, mediaType: String? = nil) async throws -> (OCIDescriptor, String) {
        let tarData = try Data(contentsOf: tar)
        let diffID = Digests.sha256(tarData)
        if compressed {
            let gz = try await gzip(tar)
            let descriptor = try blob(try Data(contentsOf: gz), mediaType: mediaType ?? MediaType.ociLayerGzip)
            return (descriptor, diffID)
        }
        return (try blob(tarData, mediaType: mediaType ?? MediaType.ociLayer), diffID)
    }

    /// Adds a config and a manifest for `layers`; returns the manifest descriptor.
    func image(
        layers: [(OCIDescriptor, String)], config: ImageConfig = ImageConfig(), architecture: String = "amd64",
        manifestMediaType: String = MediaType.ociManifest, configMediaType: String = MediaType.ociConfig
    ) throws -> OCIDescriptor {
        let configuration = OCIImageConfiguration(
            created: "2024-01-01T00:00:00Z", architecture: architecture, os: "linux", variant: nil,
            config: .init(config), rootfs: .init(type: "layers", diffIDs: layers.map(\.1)), history: nil
        )
        let configDescriptor = try blob(try ImageStore.canonicalJSON(configuration), mediaType: configMediaType)
        let manifest = OCIManifest(
            schemaVersion: 2, mediaType: manifestMediaType, config: configDescriptor,
            layers: layers.map(\.0), annotations: nil
        )
        return try blob(try ImageStore.canonicalJSON(manifest), mediaType: manifestMediaType)
    }

    /// Adds an image index over platform manifests; returns its descriptor.
    func index(_ manifests: [OCIDescriptor], mediaType: String = MediaType.ociIndex) throws -> OCIDescriptor {
        let index = OCIIndex(schemaVersion: 2, mediaType: mediaType, manifests: manifests, annotations: nil)
        return try blob(try ImageStore.canonicalJSON(index), mediaType: mediaType)
    }

    /// Writes `index.json` listing `entries`, each named by its `ref.name` annotation.
    func writeIndex(_ entries: [(OCIDescriptor, String?)]) throws {
        let manifests = entries.map { descriptor, name in
            var entry = descriptor
            if let name { entry.annotations = [OCIDescriptor.refNameAnnotation: name] }
            return entry
        }
        let index = OCIIndex(schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: manifests, annotations: nil)
        try ImageStore.canonicalJSON(index).write(to: root.appendingPathComponent("index.json"))
    }

    static func platform(_ descriptor: OCIDescriptor, architecture: String) -> OCIDescriptor {
        var entry = descriptor
        entry.platform = OCIPlatform(architecture: architecture, os: "linux", variant: nil)
        return entry
    }
}

/// Writes ustar archives entry by entry, for layers GNU tar would not produce (members
/// escaping the root, devices, whiteouts without the files being present).
struct TarWriter {
    private(set) var data = Data()

    enum Kind: UInt8 {
        case file = 48, hardLink = 49, symlink = 50, characterDevice = 51, directory = 53
    }

    mutating func add(_ name: String, kind: Kind = .file, contents: String = "", link: String = "", mode: Int = 0o644) {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, length: Int) {
            for (index, byte) in text.utf8.prefix(length).enumerated() { header[offset + index] = byte }
        }
        func octal(_ value: Int, at offset: Int, length: Int) {
            let text = String(value, radix: 8)
            put(String(repeating: "0", count: max(0, length - 1 - text.count)) + text, at: offset, length: length - 1)
        }
        let body = Array(contents.utf8)
        put(name, at: 0, length: 100)
        octal(mode, at: 100, length: 8)
        octal(0, at: 108, length: 8)
        octal(0, at: 116, length: 8)
        octal(kind == .file ? body.count : 0, at: 124, length: 12)
        octal(0, at: 136, length: 12)
        header[156] = kind.rawValue
        put(link, at: 157, length: 100)
        put("ustar", at: 257, length: 6)
        put("00", at: 263, length: 2)
        for index in 148..<156 { header[index] = 0x20 }
        let checksum = header.reduce(0) { $0 + Int($1) }
        let text = String(checksum, radix: 8)
        put(String(repeating: "0", count: max(0, 6 - text.count)) + text, at: 148, length: 6)
        header[154] = 0
        header[155] = 0x20
        data.append(contentsOf: header)
        if kind == .file {
            data.append(contentsOf: body)
            let padding = (512 - body.count % 512) % 512
            data.append(contentsOf: [UInt8](repeating: 0, count: padding))
        }
    }

    func finished() -> Data {
        var out = data
        out.append(contentsOf: [UInt8](repeating: 0, count: 1024))
        return out
    }
}

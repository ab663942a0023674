import Foundation
import TarmacModel

/// Reads an OCI image layout directory (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`) and
/// picks the manifest to import. Every blob read is checked against its descriptor.
struct OCILayoutReader {
    var root: URL

    /// The manifest chosen for import and the names the layout gives it.
    struct Selection {
        var manifestDescriptor: OCIDescriptor
        var manifest: OCIManifest
        var manifestData: Data
        /// `org.opencontainers.image.ref.name` / `io.containerd.image.name` of the chosen entry.
        var annotatedNames: [String]
    }

    func checkLayout() throws {
        let url = root.appendingPathComponent("oci-layout")
        guard let data = try? Data(contentsOf: url) else {
            throw ImageError(.invalidInput, "\(root.path) is not an OCI image layout (no oci-layout file); export one with e.g. `skopeo copy docker://IMAGE oci:DIR:TAG`")
        }
        let layout: OCILayoutFile
        do {
            layout = try JSONDecoder().decode(OCILayoutFile.self, from: data)
        } catch {
            throw ImageError(.invalidInput, "\(url.path) is not valid JSON of the form {\"imageLayoutVersion\": \"1.0.0\"}", cause: error)
        }
        guard layout.imageLayoutVersion.hasPrefix("1.") else {
            throw ImageError(.unsupported, "OCI layout version \(layout.imageLayoutVersion) in \(root.path) is not supported (only 1.x)")
        }
    }

    func blobURL(_ digest: String) throws -> URL {
        let hex = try Digests.hexPart(of: digest)
        return root.appendingPathComponent("blobs/sha256/\(hex)")
    }

    /// Reads a small blob (index, manifest, config) and verifies its digest and size.
    func readVerified(_ descriptor: OCIDescriptor) throws -> Data {
        guard descriptor.size <= 16 << 20 else {
            throw ImageError(.invalidInput, "\(descriptor.mediaType) blob \(descriptor.digest) declares \(descriptor.size) bytes, more than the 16 MiB allowed for metadata")
        }
        let url = try blobURL(descriptor.digest)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ImageError(.notFound, "blob \(descriptor.digest) is missing from the OCI layout (\(url.path)); the layout is incomplete, export it again", cause: error)
        }
        let actual = Digests.sha256(data)
        guard actual == descriptor.digest, Int64(data.count) == descriptor.size else {
            throw ImageError(.corrupt, "blob \(descriptor.digest) in the OCI layout does not match its digest (content hashes to \(actual), \(data.count) bytes); the layout is corrupt, export it again")
        }
        return data
    }

    func decode<T: Decodable>(_ type: T.Type, from data: Data, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw ImageError(.invalidInput, "\(what) in the OCI layout at \(root.path) is not valid", cause: error)
        }
    }

    /// Chooses the manifest: the `index.json` entry named `tag` (or the only entry), then,
    /// through image indexes, the one for this host's platform.
    func select(tag: String?) throws -> Selection {
        try checkLayout()
        let indexURL = root.appendingPathComponent("index.json")
        guard let indexData = try? Data(contentsOf: indexURL) else {
            throw ImageError(.invalidInput, "\(root.path) has no index.json; it is not a complete OCI image layout")
        }
        let index = try decode(OCIIndex.self, from: indexData, what: "index.json")
        let entry = try chooseEntry(index.manifests, tag: tag)
        let names = [entry.annotations?[OCIDescriptor.containerdNameAnnotation], entry.refName].compactMap { $0 }
        var descriptor = entry
        for _ in 0..<4 {
            if MediaType.isManifest(descriptor.mediaType) {
                let data = try readVerified(descriptor)
                let manifest = try decode(OCIManifest.self, from: data, what: "manifest \(descriptor.digest)")
                return Selection(manifestDescriptor: descriptor, manifest: manifest, manifestData: data, annotatedNames: names)
            }
            guard MediaType.isIndex(descriptor.mediaType) else {
                throw ImageError(.unsupported, "\(descriptor.digest) has media type \(descriptor.mediaType), which is neither an image manifest nor an image index")
            }
            let nested = try decode(OCIIndex.self, from: try readVerified(descriptor), what: "image index \(descriptor.digest)")
            descriptor = try Self.choosePlatform(nested.manifests, in: descriptor.digest)
        }
        throw ImageError(.unsupported, "image indexes in \(root.path) are nested too deeply")
    }

    private func chooseEntry(_ entries: [OCIDescriptor], tag: String?) throws -> OCIDescriptor {
        guard !entries.isEmpty else {
            throw ImageError(.invalidInput, "index.json in \(root.path) lists no images")
        }
        let available = entries.compactMap(\.refName)
        let listing = available.isEmpty ? "it names none" : "it has: \(available.joined(separator: ", "))"
        if let tag {
            let matches = entries.filter { entry in entry.refName.map { Self.name($0, matches: tag) } ?? false }
            guard let first = matches.first else {
                throw ImageError(.notFound, "the OCI layout at \(root.path) has no image named \"\(tag)\"; \(listing)")
            }
            guard matches.count == 1 else {
                throw ImageError(.ambiguous, "the OCI layout at \(root.path) has several images named \"\(tag)\"")
            }
            return first
        }
        if entries.count == 1, let only = entries.first { return only }
        // An index.json that is itself a multi-platform image: entries differ by platform only.
        if available.isEmpty, entries.allSatisfy({ $0.platform != nil }) {
            return try Self.choosePlatform(entries, in: "index.json")
        }
        throw ImageError(.ambiguous, "the OCI layout at \(root.path) holds \(entries.count) images (\(listing)); choose one with --oci-layout PATH:TAG")
    }

    static func choosePlatform(_ entries: [OCIDescriptor], in index: String) throws -> OCIDescriptor {
        let wanted = OCIPlatform.current
        if let match = entries.first(where: { $0.platform?.os == wanted.os && $0.platform?.architecture == wanted.architecture }) {
            return match
        }
        let platforms = entries.compactMap { $0.platform?.description }.filter { $0 != "unknown/unknown" }
        throw ImageError(.unsupported, "image index \(index) has no \(wanted.description) image (it has: \(platforms.isEmpty ? "none" : platforms.joined(separator: ", "))); this host can only run \(wanted.description)")
    }

    /// Whether a `ref.name` annotation (a bare tag, or a full reference) names `tag`.
    static func name(_ annotation: String, matches tag: String) -> Bool {
        if annotation == tag { return true }
        if let colon = annotation.lastIndex(of: ":"), !annotation[colon...].contains("/"),
           annotation[annotation.index(after: colon)...] == tag {
            return true
        }
        guard let left = try? ImageReference(parsing: annotation), let right = try? ImageReference(parsing: tag) else { return false }
        return (annotation.contains("/") || annotation.contains(":")) && left == right
    }
}

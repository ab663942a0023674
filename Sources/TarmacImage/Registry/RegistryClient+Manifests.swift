import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension RegistryClient {
    /// A manifest or index as fetched, verified against the digest it was asked by (or the
    /// one the registry announced).
    struct FetchedManifest: Sendable {
        var data: Data
        var mediaType: String
        var digest: String
        var descriptor: OCIDescriptor { OCIDescriptor(mediaType: mediaType, digest: digest, size: Int64(data.count)) }
    }

    static let manifestAccept = [
        MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerManifestList, MediaType.dockerManifest,
    ].joined(separator: ", ")

    /// GETs `/v2/<path>/manifests/<reference>` (a tag or a digest).
    func fetchManifest(_ endpoint: RegistryEndpoint, path: String, reference: String, display: String) async throws -> FetchedManifest {
        let url = "\(Self.base(endpoint, path))/manifests/\(reference)"
        let response = try await send(endpoint, scopes: [Self.pullScope(path)], method: .GET, url: url, headers: ["Accept": Self.manifestAccept])
        if response.status == .notFound {
            _ = try? await response.body.collect(upTo: 1 << 16)
            let what = reference.hasPrefix("sha256:") ? "manifest \(reference)" : "tag \"\(reference)\""
            throw ImageError(.notFound, "\(display): \(what) does not exist in repository \(path) on registry \(endpoint.host)")
        }
        guard response.status == .ok else {
            throw await Self.unexpected(response, "GET manifest \(path):\(reference)", endpoint: endpoint)
        }
        let data = try await Self.collect(response, limit: 16 << 20, what: "manifest \(path):\(reference)", endpoint: endpoint)
        let digest = Digests.sha256(data)
        let expected = reference.hasPrefix("sha256:") ? reference : response.headers.first(name: "Docker-Content-Digest")
        if let expected, expected.hasPrefix("sha256:"), expected != digest {
            throw ImageError(.corrupt, "manifest \(path):\(reference) from registry \(endpoint.host) does not match its digest \(expected) (content hashes to \(digest)); nothing was stored")
        }
        let declared = (try? JSONDecoder().decode(MediaTypeField.self, from: data))?.mediaType
        let header = response.headers.first(name: "Content-Type")?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let mediaType = declared ?? header, MediaType.isIndex(mediaType) || MediaType.isManifest(mediaType) else {
            throw ImageError(.unsupported, "\(display): the registry returned a manifest of type \(declared ?? header ?? "unknown"); only OCI and Docker schema 2 manifests and indexes are supported")
        }
        return FetchedManifest(data: data, mediaType: mediaType, digest: digest)
    }

    /// GETs a small blob (an image config) whole and verifies it.
    func fetchSmallBlob(_ endpoint: RegistryEndpoint, path: String, descriptor: OCIDescriptor) async throws -> Data {
        guard descriptor.size <= 16 << 20 else {
            throw ImageError(.invalidInput, "\(descriptor.mediaType) blob \(descriptor.digest) declares \(descriptor.size) bytes, more than the 16 MiB allowed for metadata")
        }
        let url = "\(Self.base(endpoint, path))/blobs/\(descriptor.digest)"
        let response = try await send(endpoint, scopes: [Self.pullScope(path)], method: .GET, url: url)
        guard response.status == .ok else {
            throw await Self.unexpected(response, "GET blob \(descriptor.digest) of \(path)", endpoint: endpoint)
        }
        let data = try await Self.collect(response, limit: Int(descriptor.size) + 1, what: "blob \(descriptor.digest)", endpoint: endpoint)
        let actual = Digests.sha256(data)
        guard actual == descriptor.digest, Int64(data.count) == descriptor.size else {
            throw ImageError(.corrupt, "blob \(descriptor.digest) from registry \(endpoint.host) does not match its digest (content hashes to \(actual), \(data.count) bytes); nothing was stored")
        }
        return data
    }

    /// PUTs a manifest under `reference` (a tag) with its media type.
    func putManifest(_ endpoint: RegistryEndpoint, path: String, reference: String, data: Data, mediaType: String) async throws {
        let url = "\(Self.base(endpoint, path))/manifests/\(reference)"
        let response = try await send(
            endpoint, scopes: [Self.pushScope(path)], method: .PUT, url: url,
            headers: ["Content-Type": mediaType], body: ByteBuffer(bytes: data)
        )
        guard response.status == .created || response.status == .ok else {
            throw await Self.unexpected(response, "PUT manifest \(path):\(reference)", endpoint: endpoint)
        }
        _ = try? await response.body.collect(upTo: 1 << 16)
    }
}

/// The `mediaType` field manifests and indexes carry.
private struct MediaTypeField: Decodable {
    var mediaType: String?
}

import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension RegistryClient {
    /// Whether the registry has `digest` in repository `path` (HEAD blob).
    func blobExists(_ endpoint: RegistryEndpoint, path: String, digest: String) async throws -> Bool {
        let url = "\(Self.base(endpoint, path))/blobs/\(digest)"
        let response = try await send(endpoint, scopes: [Self.pushScope(path)], method: .HEAD, url: url)
        _ = try? await response.body.collect(upTo: 1 << 16)
        switch response.status {
        case .ok: return true
        case .notFound: return false
        default: throw await Self.unexpected(response, "HEAD blob \(digest) of \(path)", endpoint: endpoint)
        }
    }

    /// Starts an upload; with `mount`, first asks the registry to mount the blob from
    /// repository `from`. Returns nil when mounted, else the upload's location.
    func startUpload(_ endpoint: RegistryEndpoint, path: String, mount: (digest: String, from: String)?) async throws -> String? {
        var url = "\(Self.base(endpoint, path))/blobs/uploads/"
        var scopes = [Self.pushScope(path)]
        if let mount {
            url += "?mount=\(mount.digest)&from=\(mount.from)"
            scopes.append(Self.pullScope(mount.from))
        }
        let response = try await send(endpoint, scopes: scopes, method: .POST, url: url, body: ByteBuffer())
        _ = try? await response.body.collect(upTo: 1 << 16)
        if response.status == .created, mount != nil { return nil }
        guard response.status == .accepted, let location = response.headers.first(name: "Location") else {
            throw await Self.unexpected(response, "POST blob upload to \(path)", endpoint: endpoint)
        }
        return Self.absolute(location, endpoint: endpoint)
    }

    /// Uploads a stored blob: one PUT when it is at most `uploadChunkSize`, PATCHes of that
    /// size then a closing PUT otherwise.
    func upload(_ file: URL, digest: String, size: Int64, to location: String, endpoint: RegistryEndpoint, path: String, report: @Sendable (Int64) -> Void) async throws {
        let chunkSize = configuration.uploadChunkSize
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: file)
        } catch {
            throw ImageError(.notFound, "blob \(digest) is missing from the image store (\(file.path))", cause: error)
        }
        defer { try? handle.close() }
        func read() throws -> Data {
            do {
                return try handle.read(upToCount: chunkSize) ?? Data()
            } catch {
                throw ImageError(.io, "cannot read \(file.path)", cause: error)
            }
        }
        let scopes = [Self.pushScope(path)]
        if size <= Int64(chunkSize) {
            let data = try read()
            let response = try await send(
                endpoint, scopes: scopes, method: .PUT, url: Self.adding("digest=\(digest)", to: location),
                headers: ["Content-Type": "application/octet-stream"], body: ByteBuffer(bytes: data), timeout: configuration.blobTimeout
            )
            guard response.status == .created else {
                throw await Self.unexpected(response, "PUT blob \(digest) to \(path)", endpoint: endpoint)
            }
            _ = try? await response.body.collect(upTo: 1 << 16)
            report(size)
            return
        }
        var location = location
        var offset: Int64 = 0
        while offset < size {
            let data = try read()
            guard !data.isEmpty else {
                throw ImageError(.corrupt, "blob \(digest) in the image store is shorter than its \(size) bytes")
            }
            let end = offset + Int64(data.count) - 1
            let response = try await send(
                endpoint, scopes: scopes, method: .PATCH, url: location,
                headers: ["Content-Type": "application/octet-stream", "Content-Range": "\(offset)-\(end)"],
                body: ByteBuffer(bytes: data), timeout: configuration.blobTimeout
            )
            guard response.status == .accepted, let next = response.headers.first(name: "Location") else {
                throw await Self.unexpected(response, "PATCH blob \(digest) to \(path) at \(offset)", endpoint: endpoint)
            }
            _ = try? await response.body.collect(upTo: 1 << 16)
            location = Self.absolute(next, endpoint: endpoint)
            offset = end + 1
            report(offset)
        }
        let response = try await send(
            endpoint, scopes: scopes, method: .PUT, url: Self.adding("digest=\(digest)", to: location),
            body: ByteBuffer(), timeout: configuration.blobTimeout
        )
        guard response.status == .created else {
            throw await Self.unexpected(response, "PUT (close) blob \(digest) to \(path)", endpoint: endpoint)
        }
        _ = try? await response.body.collect(upTo: 1 << 16)
    }

    /// A `Location` header made absolute.
    static func absolute(_ location: String, endpoint: RegistryEndpoint) -> String {
        if location.hasPrefix("http://") || location.hasPrefix("https://") { return location }
        return endpoint.baseURL + (location.hasPrefix("/") ? "" : "/") + location
    }

    static func adding(_ query: String, to url: String) -> String {
        url + (url.contains("?") ? "&" : "?") + query
    }
}

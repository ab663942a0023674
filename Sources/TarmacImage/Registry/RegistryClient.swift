import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Talks to OCI Distribution API v2 registries: anonymous access, bearer tokens obtained from
/// a `WWW-Authenticate` challenge, and basic auth from stored credentials.
///
/// One client is meant to serve the whole process (create it in the composition root): it
/// caches the `Authorization` header per registry and scope, and it owns the table of
/// in-flight pulls, so the same image is pulled once however many callers ask at once.
public final class RegistryClient: Sendable {
    public struct Configuration: Sendable {
        /// Registries (`HOST:PORT` or `HOST`) reached over plain HTTP although not on loopback.
        public var insecureRegistries: Set<String>
        /// Stored logins (`<data-dir>/registries.json`); nil to use none.
        public var credentialsFile: URL?
        /// Layers downloaded or uploaded at once. Default 3.
        public var maxConcurrentTransfers: Int
        /// Blobs larger than this are uploaded in chunks of this size. Default 8 MiB.
        public var uploadChunkSize: Int
        /// Deadline for manifests, pings and tokens. Default 60 s.
        public var requestTimeout: Duration
        /// Deadline for one blob transfer. Default 1 h.
        public var blobTimeout: Duration

        public init(
            insecureRegistries: Set<String> = [], credentialsFile: URL? = nil, maxConcurrentTransfers: Int = 3,
            uploadChunkSize: Int = 8 << 20, requestTimeout: Duration = .seconds(60), blobTimeout: Duration = .seconds(3600)
        ) {
            self.insecureRegistries = insecureRegistries
            self.credentialsFile = credentialsFile
            self.maxConcurrentTransfers = max(1, maxConcurrentTransfers)
            self.uploadChunkSize = max(1 << 20, uploadChunkSize)
            self.requestTimeout = requestTimeout
            self.blobTimeout = blobTimeout
        }
    }

    public let configuration: Configuration
    let http: HTTPClient
    let logger: Logger
    /// `Authorization` values by `host|scope…`, learnt from challenges.
    let authorizations = Mutex<[String: String]>([:])
    let pulls = InFlightPulls()

    /// Uses `httpClient`, which the caller owns and shuts down; build it with
    /// ``httpConfiguration`` so an unreachable registry fails fast. See also ``with(configuration:logger:_:)``.
    public init(configuration: Configuration = Configuration(), httpClient: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.http = httpClient
        self.logger = logger
    }

    /// Runs `body` with a client owning its own HTTP client, shut down when `body` ends.
    public static func with<T>(
        configuration: Configuration = Configuration(), logger: Logger, _ body: (RegistryClient) async throws -> T
    ) async throws -> T {
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)
        let client = RegistryClient(configuration: configuration, httpClient: http, logger: logger)
        let result: T
        do {
            result = try await body(client)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
        return result
    }

    /// HTTP settings for registries: a connection refused fails at once (no silent retries
    /// until the deadline), 10 s to connect, 60 s without a byte fails a transfer. Redirects
    /// are followed by ``send`` itself, so credentials never go to another host.
    public static var httpConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .seconds(60))
        )
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    func endpoint(_ host: String) -> RegistryEndpoint {
        RegistryEndpoint(host: host, insecureRegistries: configuration.insecureRegistries)
    }

    func storedLogin(for host: String) throws -> RegistryCredentials.Login? {
        guard let file = configuration.credentialsFile else { return nil }
        return try RegistryCredentials.read(file).login(for: host)
    }

    /// A request to `url`, sent with whatever authorization `scopes` on `endpoint` need.
    /// A 401 is answered once (token or basic credentials) and the request sent again; a
    /// second 401 is an `unauthorized` error naming the registry. Other statuses are returned.
    func send(
        _ endpoint: RegistryEndpoint, scopes: [String], method: HTTPMethod, url: String,
        headers: HTTPHeaders = [:], body: ByteBuffer? = nil, timeout: Duration? = nil, login override: RegistryCredentials.Login? = nil
    ) async throws -> HTTPClientResponse {
        let key = ([endpoint.host] + scopes).joined(separator: "|")
        var authorization = override == nil ? authorizations.withLock { $0[key] } : nil
        for attempt in 0..<2 {
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers = headers
            request.headers.replaceOrAdd(name: "User-Agent", value: "tarmac")
            if let authorization { request.headers.replaceOrAdd(name: "Authorization", value: authorization) }
            if let body {
                request.body = .bytes(body)
                request.headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
            }
            let response = try await execute(request, endpoint: endpoint, timeout: timeout ?? configuration.requestTimeout)
            guard response.status == .unauthorized else {
                return try await followRedirects(response, of: request, endpoint: endpoint, timeout: timeout ?? configuration.requestTimeout)
            }
            let challengeHeader = response.headers.first(name: "WWW-Authenticate") ?? ""
            _ = try? await response.body.collect(upTo: 1 << 16)
            let login = try override ?? storedLogin(for: endpoint.host)
            guard attempt == 0, let challenge = AuthChallenge(header: challengeHeader) else {
                throw Self.unauthorized(endpoint, login: login)
            }
            let value = try await answer(challenge, endpoint: endpoint, scopes: scopes, login: login)
            if override == nil { authorizations.withLock { $0[key] = value } }
            authorization = value
        }
        throw Self.unauthorized(endpoint, login: try override ?? storedLogin(for: endpoint.host))
    }

    /// Follows up to 5 redirects of a GET or HEAD (blob storage behind a registry, usually
    /// presigned URLs): `Authorization` is dropped when the redirect leaves the registry's host.
    func followRedirects(_ first: HTTPClientResponse, of request: HTTPClientRequest, endpoint: RegistryEndpoint, timeout: Duration) async throws -> HTTPClientResponse {
        var response = first
        var current = request
        for _ in 0..<5 {
            guard [301, 302, 303, 307, 308].contains(response.status.code), current.method == .GET || current.method == .HEAD,
                  let location = response.headers.first(name: "Location") else { return response }
            _ = try? await response.body.collect(upTo: 1 << 16)
            let target = Self.absolute(location, endpoint: endpoint)
            let from = URLComponents(string: current.url)
            let to = URLComponents(string: target)
            if to?.host != from?.host || to?.port != from?.port || to?.scheme != from?.scheme {
                current.headers.remove(name: "Authorization")
            }
            current.url = target
            response = try await execute(current, endpoint: endpoint, timeout: timeout)
        }
        return response
    }

    /// Runs a request, turning connection failures into `unavailable` errors.
    func execute(_ request: HTTPClientRequest, endpoint: RegistryEndpoint, timeout: Duration) async throws -> HTTPClientResponse {
        do {
            return try await http.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
        } catch {
            let hint = endpoint.scheme == "https" ? " (for a registry without TLS, pass --insecure-registry \(endpoint.host))" : ""
            throw ImageError(.unavailable, "cannot reach registry \(endpoint.host) at \(endpoint.baseURL); is it running?\(hint)", cause: error)
        }
    }

    /// The `Authorization` value a challenge asks for.
    func answer(_ challenge: AuthChallenge, endpoint: RegistryEndpoint, scopes: [String], login: RegistryCredentials.Login?) async throws -> String {
        switch challenge.scheme {
        case .basic:
            guard let login else { throw Self.unauthorized(endpoint, login: nil) }
            return Self.basic(login)
        case .bearer:
            return "Bearer " + (try await fetchToken(challenge, endpoint: endpoint, scopes: scopes, login: login))
        }
    }

    static func basic(_ login: RegistryCredentials.Login) -> String {
        "Basic " + Data("\(login.username):\(login.password)".utf8).base64EncodedString()
    }

    static func unauthorized(_ endpoint: RegistryEndpoint, login: RegistryCredentials.Login?) -> ImageError {
        if let login {
            return ImageError(.unauthorized, "registry \(endpoint.host) rejected the credentials stored for user \"\(login.username)\" (401 Unauthorized); run `tarmac registry login \(endpoint.host)` with the right ones")
        }
        return ImageError(.unauthorized, "registry \(endpoint.host) requires authentication (401 Unauthorized); run `tarmac registry login \(endpoint.host)`")
    }

    /// A registry answer that is neither success nor a known failure.
    static func unexpected(_ response: HTTPClientResponse, _ what: String, endpoint: RegistryEndpoint) async -> ImageError {
        let body = (try? await response.body.collect(upTo: 4096)).map { String(buffer: $0) } ?? ""
        let detail = body.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300)
        return ImageError(.unavailable, "registry \(endpoint.host) answered \(response.status.code) \(response.status.reasonPhrase) to \(what)\(detail.isEmpty ? "" : ": \(detail)")")
    }

    /// Reads a whole (small) response body.
    static func collect(_ response: HTTPClientResponse, limit: Int, what: String, endpoint: RegistryEndpoint) async throws -> Data {
        do {
            let buffer = try await response.body.collect(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch {
            throw ImageError(.unavailable, "cannot read \(what) from registry \(endpoint.host) (more than \(limit) bytes, or the connection broke)", cause: error)
        }
    }

    /// `/v2/<name>` for a repository path such as `library/nginx`.
    static func base(_ endpoint: RegistryEndpoint, _ path: String) -> String {
        "\(endpoint.baseURL)/v2/\(path)"
    }

    static func pullScope(_ path: String) -> String { "repository:\(path):pull" }
    static func pushScope(_ path: String) -> String { "repository:\(path):pull,push" }
}

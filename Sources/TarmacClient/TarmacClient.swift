import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TarmacModel

/// Typed client of the Tarmac `/v1` API (Fly Machines compatible).
///
/// The client owns an `HTTPClient` unless one is injected; call ``shutdown()`` exactly once
/// when done, or use ``withClient(configuration:_:)`` which does it for you. Every method
/// throws ``ClientError`` (or `CancellationError` when the task is cancelled).
///
/// Typed methods (`getMachine`, `startMachine` …) are thin wrappers over
/// ``send(_:)`` with an ``APIRequest``; callers that need the server's raw JSON
/// (the CLI's `--json`) use `send` directly and ``APIResponse/decode(_:)`` as needed.
public final class TarmacClient: Sendable {
    public let configuration: Configuration
    /// `configuration.baseURL`, normalised.
    public let baseURL: String
    let httpClient: HTTPClient
    private let ownsHTTPClient: Bool

    /// Creates a client with its own `HTTPClient` (on the shared event loop group).
    public convenience init(configuration: Configuration) throws(ClientError) {
        let baseURL = try Configuration.normalizeBaseURL(configuration.baseURL)
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.timeout = .init(connect: Self.timeAmount(configuration.connectTimeout), read: nil)
        httpConfiguration.redirectConfiguration = .disallow
        httpConfiguration.connectionPool.retryConnectionEstablishment = configuration.retriesFailedConnections
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        self.init(configuration: configuration, baseURL: baseURL, httpClient: httpClient, ownsHTTPClient: true)
    }

    /// Creates a client over an `HTTPClient` the caller owns; ``shutdown()`` leaves it running.
    public convenience init(configuration: Configuration, httpClient: HTTPClient) throws(ClientError) {
        let baseURL = try Configuration.normalizeBaseURL(configuration.baseURL)
        self.init(configuration: configuration, baseURL: baseURL, httpClient: httpClient, ownsHTTPClient: false)
    }

    private init(configuration: Configuration, baseURL: String, httpClient: HTTPClient, ownsHTTPClient: Bool) {
        self.configuration = configuration
        self.baseURL = baseURL
        self.httpClient = httpClient
        self.ownsHTTPClient = ownsHTTPClient
    }

    /// Shuts the owned `HTTPClient` down. Call exactly once, after the last request.
    public func shutdown() async throws {
        guard ownsHTTPClient else { return }
        try await httpClient.shutdown()
    }

    /// Runs `body` with a new client and shuts it down afterwards, whether `body` throws or not.
    public static func withClient<Result: Sendable>(
        configuration: Configuration,
        _ body: (TarmacClient) async throws -> Result
    ) async throws -> Result {
        let client = try TarmacClient(configuration: configuration)
        let result: Result
        do {
            result = try await body(client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return result
    }

    /// Sends one request. Returns the answer for any 2xx status; throws ``ClientError``
    /// with the server's error text for any other status, and for transport failures.
    public func send(_ request: APIRequest) async throws -> APIResponse {
        let url = request.url(baseURL: baseURL)
        var httpRequest = HTTPClientRequest(url: url)
        httpRequest.method = HTTPMethod(rawValue: request.method.rawValue)
        httpRequest.headers.add(name: "User-Agent", value: configuration.userAgent)
        httpRequest.headers.add(name: "Accept", value: "application/json")
        if let token = configuration.token, !token.isEmpty {
            httpRequest.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        for header in request.headers {
            httpRequest.headers.add(name: header.name, value: header.value)
        }
        if let body = request.body {
            httpRequest.headers.add(name: "Content-Type", value: "application/json")
            httpRequest.body = .bytes(ByteBuffer(bytes: body))
        }
        let timeout = request.timeout ?? configuration.timeout
        let status: Int
        let reason: String
        let headers: [String: String]
        let body: Data
        do {
            let response = try await httpClient.execute(httpRequest, timeout: Self.timeAmount(timeout))
            status = Int(response.status.code)
            reason = response.status.reasonPhrase
            headers = Self.flatten(response.headers)
            let buffer = try await response.body.collect(upTo: configuration.maximumResponseBytes)
            body = Data(buffer.readableBytesView)
        } catch {
            // AHC reports a cancelled task with its own error; keep cancellation recognisable.
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            throw transportError(error, url: url, timeout: timeout)
        }
        guard (200..<300).contains(status) else {
            throw APIResponse.error(status: status, reason: reason, body: body, url: url)
        }
        return APIResponse(status: status, headers: headers, body: body, url: url)
    }

    /// Sends `request` and decodes the JSON answer as `T`.
    public func send<T: Decodable>(_ request: APIRequest, as type: T.Type) async throws -> T {
        try await send(request).decode(T.self)
    }

    func transportError(_ error: any Error, url: String, timeout: Duration) -> ClientError {
        if let httpError = error as? HTTPClientError {
            if httpError == .deadlineExceeded || httpError == .readTimeout {
                return ClientError(code: .timeout, message: "request to \(url) timed out after \(timeout)", url: url, cause: error)
            }
        }
        if error is NIOTooManyBytesError {
            return ClientError(code: .decoding, message: "answer from \(url) is larger than \(configuration.maximumResponseBytes) bytes", url: url, cause: error)
        }
        let detail = Self.shortTransportDetail(error)
        return ClientError(
            code: .unreachable,
            message: "cannot reach the Tarmac API at \(baseURL) (\(detail)); is the server running? Start one with `tarmac dev`, or point --api / TARMAC_API_URL at it",
            url: url, cause: error)
    }

    /// A short reason for a transport failure; NIO's descriptions are long and nested.
    static func shortTransportDetail(_ error: any Error) -> String {
        let text = String(describing: error)
        let known = [
            ("Connection refused", "connection refused"),
            ("connectTimeout", "connect timed out"),
            ("Connection reset", "connection reset"),
            ("remoteConnectionClosed", "connection closed by the server"),
            ("No such host", "unknown host"),
            ("Name or service not known", "unknown host"),
            ("Network is unreachable", "network unreachable"),
            ("No route to host", "no route to host"),
        ]
        for (needle, summary) in known where text.contains(needle) { return summary }
        return text.count > 160 ? String(text.prefix(160)) + "…" : text
    }

    static func flatten(_ headers: HTTPHeaders) -> [String: String] {
        var out: [String: String] = [:]
        for (name, value) in headers {
            let key = name.lowercased()
            out[key] = out[key].map { $0 + ", " + value } ?? value
        }
        return out
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

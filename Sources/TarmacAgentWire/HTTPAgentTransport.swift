import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// `AgentTransport` over AsyncHTTPClient: a unix socket for the agent of `tarmac dev` (and
/// for an agent's own uplink), TCP for an agent reached directly.
public struct HTTPAgentTransport: AgentTransport {
    public enum Endpoint: Sendable, Hashable {
        case unixSocket(path: String)
        case http(baseURL: String)
    }

    let endpoint: Endpoint
    let client: HTTPClient

    public init(endpoint: Endpoint, client: HTTPClient = .shared) {
        self.endpoint = endpoint
        self.client = client
    }

    func url(_ path: String) -> String {
        switch endpoint {
        case .unixSocket(let socket):
            URL(httpURLWithSocketPath: socket, uri: path)?.absoluteString ?? "http+unix://invalid\(path)"
        case .http(let base):
            base + path
        }
    }

    public func execute(_ request: AgentWireRequest, deadline: Duration?) async throws -> AgentWireResponse {
        var http = HTTPClientRequest(url: url(request.path))
        http.method = request.method
        http.headers = request.headers
        switch request.body {
        case .none: break
        case .bytes(let bytes): http.body = .bytes(bytes)
        case .stream(let chunks): http.body = .stream(chunks, length: .unknown)
        }
        let response = try await client.execute(http, deadline: deadline.map { .now() + Self.timeAmount($0) } ?? .distantFuture)
        let reader = BodyReader(response.body.makeAsyncIterator())
        return AgentWireResponse(
            status: Int(response.status.code), headers: response.headers,
            body: AsyncThrowingStream(unfolding: { try await reader.next() }))
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// The response body's iterator, for its one reader (`AsyncThrowingStream(unfolding:)` calls
/// it one at a time, which is what makes sharing it sound).
final class BodyReader: @unchecked Sendable {
    private var iterator: HTTPClientResponse.Body.AsyncIterator

    init(_ iterator: HTTPClientResponse.Body.AsyncIterator) { self.iterator = iterator }

    func next() async throws -> ByteBuffer? { try await iterator.next() }
}

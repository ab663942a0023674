import NIOCore
import NIOHTTP1

/// One request on the agent wire, as `HTTPAgentClient` builds it from `AgentRoute`.
public struct AgentWireRequest: Sendable {
    public enum Body: Sendable {
        case none
        case bytes(ByteBuffer)
        /// Sent as it comes (a console's keyboard), the exchange open until it finishes.
        case stream(AsyncStream<ByteBuffer>)
    }

    public var method: HTTPMethod
    /// Path and query.
    public var path: String
    public var headers: HTTPHeaders
    public var body: Body

    public init(method: HTTPMethod, path: String, headers: HTTPHeaders = [:], body: Body = .none) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }
}

/// The agent's answer: its head, then its body as it arrives.
public struct AgentWireResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: AsyncThrowingStream<ByteBuffer, any Error>

    public init(status: Int, headers: HTTPHeaders, body: AsyncThrowingStream<ByteBuffer, any Error>) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The whole body, refusing one larger than `limit` bytes.
    public func collect(upTo limit: Int) async throws -> ByteBuffer {
        var collected = ByteBuffer()
        for try await var chunk in body {
            guard collected.readableBytes + chunk.readableBytes <= limit else {
                throw AgentTransportError("the host agent's answer exceeds \(limit) bytes")
            }
            collected.writeBuffer(&chunk)
        }
        return collected
    }
}

/// How requests reach an agent: straight over HTTP (a unix socket or TCP,
/// `HTTPAgentTransport`) or through the connection the agent dialled (`AgentTunnel`).
/// Either way a failure to exchange is thrown; an answer with an error status is returned.
public protocol AgentTransport: Sendable {
    /// `deadline` bounds the whole exchange except a `.stream` body's, which has none.
    func execute(_ request: AgentWireRequest, deadline: Duration?) async throws -> AgentWireResponse
}

/// A request that could not be exchanged with the agent at all.
public struct AgentTransportError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

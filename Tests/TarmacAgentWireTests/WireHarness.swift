import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import TarmacAgentProtocol
import TarmacAgentWire

/// The real `AgentRouter` served by a real Hummingbird server on a unix socket, for the
/// duration of `body`, then shut down gracefully (and awaited).
enum WireHarness {
    static let logger = Logger(label: "tarmac.agent-wire-tests")

    static func socketPath() -> String {
        // Short: a unix socket path must fit in 108 bytes.
        "/tmp/tarmac-wire-\(UUID().uuidString.prefix(12)).sock"
    }

    static func withServer<T: Sendable>(
        agent: some AgentAPI, token: AgentToken?, _ body: @Sendable (_ socket: String) async throws -> T
    ) async throws -> T {
        try await withServerGroup(agent: agent, token: token) { socket, _ in try await body(socket) }
    }

    /// Like `withServer`, also handing `body` the service group (to shut it down early).
    static func withServerGroup<T: Sendable>(
        agent: some AgentAPI, token: AgentToken?, _ body: @Sendable (_ socket: String, _ group: ServiceGroup) async throws -> T
    ) async throws -> T {
        try await withRouter(AgentRouter.make(agent: agent, token: token), body)
    }

    /// Serves any router (a stand-in agent) on a fresh unix socket for the duration of `body`.
    static func withRouter<T: Sendable>(
        _ router: Router<BasicRequestContext>, _ body: @Sendable (_ socket: String, _ group: ServiceGroup) async throws -> T
    ) async throws -> T {
        let socket = socketPath()
        defer { try? FileManager.default.removeItem(atPath: socket) }
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
        let server = Application(
            router: router,
            configuration: .init(address: .unixDomainSocket(path: socket), serverName: "tarmac-agent-test"),
            onServerRunning: { _ in readyContinuation.finish() },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                // A server that fails to start must not leave the wait below hanging.
                defer { readyContinuation.finish() }
                try await group.run()
            }
            for await _ in ready {}
            let result: Result<T, any Error>
            do {
                result = .success(try await body(socket, group))
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }

    /// A raw request to the socket, bypassing `HTTPAgentClient`, with exactly `headers`.
    static func rawRequest(
        socket: String, method: HTTPMethod = .GET, path: String, headers: [(String, String)], body: Data? = nil
    ) async throws -> (status: Int, headers: [(String, String)], body: Data) {
        guard let url = URL(httpURLWithSocketPath: socket, uri: path) else { throw HarnessError("bad socket path \(socket)") }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.map { ($0.name, $0.value) }, Data(bytes.readableBytesView))
    }
}

extension WireHarness {
    /// A raw POST to a loopback TCP port, with exactly `headers`.
    static func rawTCPRequest(port: Int, path: String, headers: [(String, String)]) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Data(bytes.readableBytesView))
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

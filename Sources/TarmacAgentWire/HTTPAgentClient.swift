import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import TarmacAgentProtocol
import TarmacModel

/// The control plane's side of the wire: `AgentAPI` over HTTP, a unix socket for the agent
/// of `tarmac dev`, TCP for remote hosts. Requests are built from `AgentRoute`; every one
/// carries this side's `tarmac-agent-protocol` version and, when configured, the agent token.
/// Whatever goes wrong surfaces as an `AgentError`: the agent's own, or `.unavailable` for an
/// agent that cannot be reached, refuses this control plane (token, version) or speaks an
/// incompatible protocol, since none of those says whether a change was made.
public struct HTTPAgentClient: AgentAPI {
    public typealias Endpoint = HTTPAgentTransport.Endpoint

    /// Most requests; longer ones (image pulls, exec, long-polls) set their own.
    static let defaultDeadline: Duration = .seconds(60)
    /// Resolving may pull the image from its registry: allow for a large download.
    static let resolveDeadline: Duration = .seconds(3600)
    /// Largest answer read (a `machines()` listing of many specs).
    static let maximumResponseBytes = 64 << 20

    let transport: any AgentTransport
    private let token: AgentToken?

    public init(endpoint: Endpoint, token: AgentToken?, client: HTTPClient = .shared) {
        self.init(transport: HTTPAgentTransport(endpoint: endpoint, client: client), token: token)
    }

    /// Over any transport: `AgentTunnel` for an agent that dialled this control plane.
    public init(transport: any AgentTransport, token: AgentToken?) {
        self.transport = transport
        self.token = token
    }

    public func info() async throws -> AgentInfo {
        try await call(.info)
    }

    public func resolveImage(_ reference: String) async throws -> ImageRef {
        try await call(.resolveImage, body: ImageResolveRequest(reference: reference), deadline: Self.resolveDeadline)
    }

    public func apply(_ spec: AgentMachineSpec, launch: Bool) async throws -> AgentMachineStatus {
        try await call(.apply, machineID: spec.machineID, query: [(AgentRoute.Query.launch, "\(launch)")], body: spec)
    }

    public func command(_ machineID: String, _ command: AgentCommand) async throws -> AgentMachineStatus {
        try await call(.command, machineID: machineID, body: command)
    }

    /// The deadline outlives the command's own timeout, so the agent's answer (even for a
    /// command killed at its timeout) arrives before the client gives up.
    public func exec(_ machineID: String, _ request: AgentExecRequest) async throws -> AgentExecResult {
        try await call(.exec, machineID: machineID, body: request, deadline: Self.execDeadline(timeoutSeconds: request.timeoutSeconds))
    }

    public func processes(_ machineID: String) async throws -> [ProcessStat] {
        try await call(.processes, machineID: machineID)
    }

    public func logs(_ request: AgentLogsRequest) async throws -> AgentLogsResponse {
        try await call(.logs, body: request)
    }

    public func machines() async throws -> [AgentMachineStatus] {
        try await call(.machines)
    }

    public func updates(after: Int64, timeout: Duration) async throws -> [AgentUpdate] {
        let seconds = max(1, Int(timeout.components.seconds))
        let query = [(AgentRoute.Query.after, "\(after)"), (AgentRoute.Query.timeout, "\(seconds)")]
        let response: AgentUpdatesResponse = try await call(.updates, query: query, deadline: .seconds(seconds) + .seconds(10))
        return response.updates
    }

    public func acknowledge(upTo sequence: Int64) async throws {
        _ = try await send(.acknowledge, machineID: "", query: [(AgentRoute.Query.sequence, "\(sequence)")], body: nil, deadline: Self.defaultDeadline)
    }

    static func execDeadline(timeoutSeconds: Int) -> Duration {
        .seconds(max(1, timeoutSeconds) + 30)
    }

    private func call<Response: Decodable>(
        _ route: AgentRoute, machineID: String = "", query: [(String, String)] = [], deadline: Duration = defaultDeadline
    ) async throws -> Response {
        try decode(Response.self, try await send(route, machineID: machineID, query: query, body: nil, deadline: deadline), route: route)
    }

    private func call<Response: Decodable>(
        _ route: AgentRoute, machineID: String = "", query: [(String, String)] = [], body: some Encodable, deadline: Duration = defaultDeadline
    ) async throws -> Response {
        let data = try await send(route, machineID: machineID, query: query, body: try JSONEncoder().encode(body), deadline: deadline)
        return try decode(Response.self, data, route: route)
    }

    private func decode<Response: Decodable>(_ type: Response.Type, _ data: Data, route: AgentRoute) throws -> Response {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw AgentError(.internalError, "host agent answered \(route.rawValue) with an unreadable body: \(error)")
        }
    }

    private func send(_ route: AgentRoute, machineID: String, query: [(String, String)], body: Data?, deadline: Duration) async throws -> Data {
        var request = AgentWireRequest(method: HTTPMethod(rawValue: route.method.rawValue), path: route.path(machineID: machineID, query: query))
        addHeaders(&request)
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: AgentWireResponse
        let bytes: ByteBuffer
        do {
            response = try await transport.execute(request, deadline: deadline)
            bytes = try await response.collect(upTo: Self.maximumResponseBytes)
        } catch {
            throw AgentError(.unavailable, "the machine's host agent is unreachable (\(error)); it may be restarting, try again")
        }
        try Self.checkVersion(response.headers.first(name: AgentWireVersion.headerName))
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(response.status) else {
            throw Self.error(status: response.status, body: data)
        }
        return data
    }

    /// The protocol version and, when configured, the token: on every request.
    func addHeaders(_ request: inout AgentWireRequest) {
        request.headers.add(name: AgentWireVersion.headerName, value: AgentWireVersion.current)
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token.value)") }
    }

    /// Refuses an answer from an agent that does not speak this side's major version.
    static func checkVersion(_ value: String?) throws {
        let ours = "this control plane speaks \(AgentWireVersion.headerName) \(AgentWireVersion.current)"
        switch AgentWireVersion.check(value) {
        case .compatible:
            return
        case .missing:
            throw AgentError(.unavailable, "the host agent's answer has no \(AgentWireVersion.headerName) header (\(ours)): it is an older agent or not a Tarmac agent; upgrade it")
        case .malformed(let value):
            throw AgentError(.unavailable, "the host agent's \(AgentWireVersion.headerName) header \"\(value)\" is not <major>[.<minor>] (\(ours))")
        case .incompatible(let major):
            throw AgentError(.unavailable, "the host agent speaks \(AgentWireVersion.headerName) \(major), \(ours): upgrade the older side")
        }
    }

    /// The agent's `AgentError`, or its refusal of this control plane, or a plain failure.
    static func error(status: Int, body: Data) -> AgentError {
        guard let wire = try? JSONDecoder().decode(AgentWireError.Body.self, from: body) else {
            return AgentError(.internalError, "host agent answered \(status): \(String(decoding: body.prefix(4096), as: UTF8.self))")
        }
        if let kind = AgentError.Kind(rawValue: wire.kind) {
            return AgentError(kind, wire.message)
        }
        return AgentError(.unavailable, "the host agent refused this control plane (\(wire.kind)): \(wire.message)")
    }
}

import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TarmacAgentProtocol
import TarmacModel

/// `AgentAPI` over HTTP: a unix socket for the agent of `tarmac dev`, TCP for remote hosts.
public struct HTTPAgentClient: AgentAPI {
    public enum Endpoint: Sendable, Hashable {
        case unixSocket(path: String)
        case http(baseURL: String)
    }

    private let endpoint: Endpoint
    private let client: HTTPClient

    public init(endpoint: Endpoint, client: HTTPClient = .shared) {
        self.endpoint = endpoint
        self.client = client
    }

    public func info() async throws -> AgentInfo {
        try await call(.GET, "/agent/v1/info")
    }

    public func resolveImage(_ reference: String) async throws -> ImageRef {
        // Resolving may pull the image from its registry: allow for a large download.
        try await call(.POST, "/agent/v1/images/resolve", body: ImageResolveRequest(reference: reference), deadline: .seconds(3600))
    }

    public func apply(_ spec: AgentMachineSpec, launch: Bool) async throws -> AgentMachineStatus {
        try await call(.PUT, "/agent/v1/machines/\(spec.machineID)?launch=\(launch)", body: spec)
    }

    public func command(_ machineID: String, _ command: AgentCommand) async throws -> AgentMachineStatus {
        try await call(.POST, "/agent/v1/machines/\(machineID)/command", body: command)
    }

    /// The deadline outlives the command's own timeout, so the agent's answer (even for a
    /// command killed at its timeout) arrives before the client gives up.
    public func exec(_ machineID: String, _ request: AgentExecRequest) async throws -> AgentExecResult {
        try await call(.POST, "/agent/v1/machines/\(machineID)/exec", body: request, deadline: .seconds(max(1, request.timeoutSeconds) + 30))
    }

    public func machines() async throws -> [AgentMachineStatus] {
        try await call(.GET, "/agent/v1/machines")
    }

    public func updates(after: Int64, timeout: Duration) async throws -> [AgentUpdate] {
        let seconds = max(1, Int(timeout.components.seconds))
        let response: AgentUpdatesResponse = try await call(.GET, "/agent/v1/updates?after=\(after)&timeout=\(seconds)", deadline: timeout + .seconds(10))
        return response.updates
    }

    public func acknowledge(upTo sequence: Int64) async throws {
        _ = try await send(.POST, "/agent/v1/updates/ack?seq=\(sequence)", body: nil)
    }

    private func url(_ path: String) -> String {
        switch endpoint {
        case .unixSocket(let socket):
            URL(httpURLWithSocketPath: socket, uri: path)?.absoluteString ?? "http+unix://invalid\(path)"
        case .http(let base):
            base + path
        }
    }

    private func call<Response: Decodable>(_ method: HTTPMethod, _ path: String, deadline: Duration = .seconds(60)) async throws -> Response {
        try JSONDecoder().decode(Response.self, from: try await send(method, path, body: nil, deadline: deadline))
    }

    private func call<Response: Decodable>(_ method: HTTPMethod, _ path: String, body: some Encodable, deadline: Duration = .seconds(60)) async throws -> Response {
        try JSONDecoder().decode(Response.self, from: try await send(method, path, body: try JSONEncoder().encode(body), deadline: deadline))
    }

    private func send(_ method: HTTPMethod, _ path: String, body: Data?, deadline: Duration = .seconds(60)) async throws -> Data {
        var request = HTTPClientRequest(url: url(path))
        request.method = method
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .seconds(deadline.components.seconds))
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw AgentError(.unavailable, "the machine's host agent is unreachable (\(error)); it may be restarting, try again")
        }
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            if let error = try? JSONDecoder().decode(AgentError.self, from: data) { throw error }
            throw AgentError(.internalError, "host agent answered \(response.status.code): \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }
}


import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import TarmacAgentProtocol
import TarmacAgentWire
import TarmacModel
import Testing

/// The token and the protocol version, checked on both sides.
@Suite struct AgentWireGuardTests {
    static let token = AgentToken("right-token-abcdef")
    static let version = (AgentWireVersion.headerName, AgentWireVersion.current)
    static let bearer = ("authorization", "Bearer right-token-abcdef")

    struct ErrorBody: Decodable, Equatable {
        var kind: String
        var message: String
    }

    static func value(_ name: String, in headers: [(String, String)]) -> String? {
        headers.first { $0.0.lowercased() == name }?.1
    }

    @Test func wrongOrMissingTokenIsRefusedBeforeTheAgent() async throws {
        let agent = FakeAgent()
        try await WireHarness.withServer(agent: agent, token: Self.token) { socket in
            for token in [AgentToken("wrong-token-abcdef"), AgentToken("right-token-abcde"), nil] {
                let client = HTTPAgentClient(endpoint: .unixSocket(path: socket), token: token)
                let error = await #expect(throws: AgentError.self) { try await client.info() }
                #expect(error?.kind == .unavailable)
                #expect(error?.message.contains("refused this control plane (unauthorized)") == true)
            }
            #expect(agent.calls.isEmpty)

            for authorization in [nil, "Bearer wrong", "Basic cmlnaHQ=", "Bearer "] {
                var headers = [Self.version]
                if let authorization { headers.append(("authorization", authorization)) }
                let response = try await WireHarness.rawRequest(socket: socket, path: "/agent/v1/info", headers: headers)
                #expect(response.status == 401)
                #expect(Self.value("www-authenticate", in: response.headers) == "Bearer")
                #expect(Self.value(AgentWireVersion.headerName, in: response.headers) == AgentWireVersion.current)
                #expect(try JSONDecoder().decode(ErrorBody.self, from: response.body).kind == "unauthorized")
            }
            #expect(agent.calls.isEmpty)

            // The scheme is case-insensitive.
            let ok = try await WireHarness.rawRequest(socket: socket, path: "/agent/v1/info", headers: [Self.version, ("authorization", "bearer right-token-abcdef")])
            #expect(ok.status == 200)
        }
    }

    @Test func noTokenConfiguredNeedsNoAuthorization() async throws {
        try await WireHarness.withServer(agent: FakeAgent(), token: nil) { socket in
            let client = HTTPAgentClient(endpoint: .unixSocket(path: socket), token: nil)
            let info = try await client.info()
            #expect(info == Answers().info)
        }
    }

    @Test func missingOrWrongVersionIsRefused() async throws {
        let agent = FakeAgent()
        try await WireHarness.withServer(agent: agent, token: Self.token) { socket in
            let cases: [(version: String?, status: Int, kind: String)] = [
                (nil, 400, "missing_protocol_version"),
                ("one", 400, "missing_protocol_version"),
                ("1.x", 400, "missing_protocol_version"),
                ("2", 426, "incompatible_protocol"),
                ("0.9", 426, "incompatible_protocol"),
                ("2.0", 426, "incompatible_protocol"),
            ]
            for test in cases {
                var headers = [Self.bearer]
                if let version = test.version { headers.append((AgentWireVersion.headerName, version)) }
                let response = try await WireHarness.rawRequest(socket: socket, path: "/agent/v1/machines", headers: headers)
                #expect(response.status == test.status, "version \(test.version ?? "none")")
                #expect(Self.value(AgentWireVersion.headerName, in: response.headers) == AgentWireVersion.current)
                let body = try JSONDecoder().decode(ErrorBody.self, from: response.body)
                #expect(body.kind == test.kind)
                #expect(body.message.contains("this agent speaks tarmac-agent-protocol \(AgentWireVersion.current)"))
            }
            #expect(agent.calls.isEmpty)

            // Same major, other minor: fine.
            for version in ["1", "1.0", "1.9", " 1.2 "] {
                let response = try await WireHarness.rawRequest(socket: socket, path: "/agent/v1/machines", headers: [Self.bearer, (AgentWireVersion.headerName, version)])
                #expect(response.status == 200, "version \(version)")
            }
        }
    }

    @Test func everyResponseCarriesTheVersionAndNoRouteIsNotAMissingMachine() async throws {
        try await WireHarness.withServer(agent: FakeAgent(), token: Self.token) { socket in
            let response = try await WireHarness.rawRequest(socket: socket, path: "/agent/v1/no-such-route", headers: [Self.version, Self.bearer])
            #expect(response.status == 404)
            #expect(Self.value(AgentWireVersion.headerName, in: response.headers) == AgentWireVersion.current)
            #expect((try? JSONDecoder().decode(ErrorBody.self, from: response.body))?.kind != AgentError.Kind.notFound.rawValue)

            let ack = try await WireHarness.rawRequest(socket: socket, method: .POST, path: "/agent/v1/updates/ack?seq=3", headers: [Self.version, Self.bearer])
            #expect(ack.status == 204)
            #expect(Self.value(AgentWireVersion.headerName, in: ack.headers) == AgentWireVersion.current)
        }
    }

    @Test func specForAnotherMachineThanThePathIsRefused() async throws {
        let agent = FakeAgent()
        try await WireHarness.withServer(agent: agent, token: Self.token) { socket in
            let body = try JSONEncoder().encode(Answers().spec)
            let path = AgentRoute.apply.path(machineID: Answers.awkwardID, query: [(AgentRoute.Query.launch, "true")])
            let response = try await WireHarness.rawRequest(socket: socket, method: .PUT, path: path, headers: [Self.version, Self.bearer], body: body)
            #expect(response.status == 422)
            #expect(try JSONDecoder().decode(ErrorBody.self, from: response.body).kind == "invalid_argument")
            #expect(agent.calls.isEmpty)

            let broken = try await WireHarness.rawRequest(socket: socket, method: .PUT, path: path, headers: [Self.version, Self.bearer], body: Data("{".utf8))
            #expect(broken.status == 400)
            #expect(try JSONDecoder().decode(ErrorBody.self, from: broken.body).kind == "invalid_argument")
        }
    }

    /// A stand-in agent answering with the given version header (none when nil).
    static func impostor(version: String?) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get(RouterPath(AgentRoute.info.template)) { _, _ in
            let data = try JSONEncoder().encode(Answers().info)
            var headers: HTTPFields = [.contentType: "application/json"]
            if let version, let name = HTTPField.Name(AgentWireVersion.headerName) { headers[name] = version }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        return router
    }

    @Test func clientRefusesAnIncompatibleAgent() async throws {
        let cases: [(version: String?, message: String)] = [
            (nil, "has no tarmac-agent-protocol header"),
            ("2.1", "the host agent speaks tarmac-agent-protocol 2, this control plane speaks tarmac-agent-protocol \(AgentWireVersion.current)"),
            ("v1", "header \"v1\" is not <major>[.<minor>]"),
        ]
        for test in cases {
            try await WireHarness.withRouter(Self.impostor(version: test.version)) { socket, _ in
                let client = HTTPAgentClient(endpoint: .unixSocket(path: socket), token: Self.token)
                let error = await #expect(throws: AgentError.self) { try await client.info() }
                #expect(error?.kind == .unavailable)
                #expect(error?.message.contains(test.message) == true, "\(error?.message ?? "")")
            }
        }
        try await WireHarness.withRouter(Self.impostor(version: "1.3")) { socket, _ in
            let client = HTTPAgentClient(endpoint: .unixSocket(path: socket), token: Self.token)
            let info = try await client.info()
            #expect(info == Answers().info)
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import TarmacAPI
import TarmacAgentProtocol
import TarmacControl
import TarmacModel
import TarmacStore

/// One API under test: a temp-file SQLite store, a fake agent, the real `Control` and the
/// real router, driven in-process through HummingbirdTesting.
struct APIHarness: Sendable {
    static let token = "test-admin-token"

    let store: SQLiteControlStore
    let agent: FakeAgent
    let control: Control
    let client: any TestClientProtocol

    static func with(_ body: @Sendable (APIHarness) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-api-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteControlStore(path: directory.appendingPathComponent("control.sqlite").path)
        let agent = FakeAgent()
        let logger = Logger(label: "tarmac-api-tests") { _ in SwiftLogNoOpLogHandler() }
        let control = Control(
            configuration: .init(), store: store,
            hosts: [Control.Host(id: "host-1", region: "local", runtime: "container", api: agent)], logger: logger)
        try await control.bootstrap()
        let router = APIServer.makeRouter(control: control, configuration: .init(token: token))
        let app = Application(router: router, logger: logger)
        try await app.test(.router) { client in
            try await body(APIHarness(store: store, agent: agent, control: control, client: client))
        }
    }

    /// Runs `body` with the app `web` already created.
    static func withApp(_ body: @Sendable (APIHarness) async throws -> Void) async throws {
        try await with { api in
            try await api.createApp("web")
            try await body(api)
        }
    }

    // MARK: requests

    @discardableResult
    func request(
        _ method: HTTPRequest.Method, _ uri: String, json: String? = nil, headers: HTTPFields = [:], authorization: String? = "Bearer \(token)"
    ) async throws -> TestResponse {
        var headers = headers
        if let authorization { headers[.authorization] = authorization }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(string: json)
        }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body)
    }

    /// The `fly-machine-lease-nonce` header.
    static func nonce(_ value: String) throws -> HTTPFields {
        [try #require(HTTPField.Name("fly-machine-lease-nonce")): value]
    }

    func createApp(_ name: String) async throws {
        let response = try await request(.post, "/v1/apps", json: #"{"name":"\#(name)","org_slug":"personal"}"#)
        #expect(response.status == .created)
    }

    /// Creates a machine in `web` and returns it.
    @discardableResult
    func createMachine(_ json: String = #"{"config":{"image":"web:v1"}}"#, app: String = "web") async throws -> Machine {
        let response = try await request(.post, "/v1/apps/\(app)/machines", json: json)
        try #require(response.status == .ok, "create failed: \(response.status) \(response.text)")
        return try response.decode(Machine.self)
    }

    /// Reports a state change of the machine's current instance, as `AgentSync` would.
    func report(_ id: String, _ state: MachineState, event: MachineEvent? = nil) async throws {
        let record = try #require(try await store.machine(id: id))
        let change = MachineStateChange(
            machineID: id, instanceID: record.instanceID, state: state, privateIP: record.privateIP,
            restartCount: record.restartCount, runtime: record.runtime, event: event)
        let cursor = try await store.agentCursor(hostID: record.hostID) + 1
        _ = try await store.applyAgentChanges(hostID: record.hostID, changes: [change], cursor: cursor)
        control.waits.notify(machineID: id)
    }

    func machine(_ id: String, app: String = "web") async throws -> Machine {
        let response = try await request(.get, "/v1/apps/\(app)/machines/\(id)")
        try #require(response.status == .ok)
        return try response.decode(Machine.self)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var data: Data { Data(body.readableBytesView) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: data)
    }

    func object() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "not a JSON object: \(text)")
    }

    func array() throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]], "not a JSON array: \(text)")
    }

    /// The `error` text of an error body.
    func errorText() throws -> String {
        try decode(ErrorBody.self).error
    }

    var requestID: String? { headers.first { $0.name.canonicalName == "fly-request-id" }?.value }
}

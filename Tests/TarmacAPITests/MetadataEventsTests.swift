import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TarmacModel

@Suite("API: metadata, events, versions")
struct MetadataEventsTests {
    typealias API = APIHarness

    static func base(_ machine: Machine) -> String { "/v1/apps/web/machines/\(machine.id)" }

    static func metadata(_ api: APIHarness, _ machine: Machine) async throws -> [String: String] {
        let response = try await api.request(.get, base(machine) + "/metadata")
        try #require(response.status == .ok)
        return try response.decode([String: String].self)
    }

    @Test("PUT and PATCH merge; null and empty values delete; 204")
    func merge() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine(#"{"config":{"image":"web:v1","metadata":{"fly_process_group":"app"}}}"#)
            #expect(try await Self.metadata(api, machine) == ["fly_process_group": "app"])
            let put = try await api.request(.put, Self.base(machine) + "/metadata", json: #"{"metadata":{"a":"1","b":"2"}}"#)
            #expect(put.status == .noContent)
            #expect(put.body.readableBytes == 0)
            #expect(try await Self.metadata(api, machine) == ["fly_process_group": "app", "a": "1", "b": "2"])
            let patch = try await api.request(.patch, Self.base(machine) + "/metadata", json: #"{"metadata":{"a":null,"b":"","c":"3"},"updated_at":""}"#)
            #expect(patch.status == .noContent)
            #expect(try await Self.metadata(api, machine) == ["fly_process_group": "app", "c": "3"])
            // The machine's config carries it, so list filters see it.
            #expect(try await api.machine(machine.id).config?.metadata?["c"] == "3")
            let listed = try await api.request(.get, "/v1/apps/web/machines?metadata.c=3").decode([Machine].self)
            #expect(listed.map(\.id) == [machine.id])
        }
    }

    @Test("machine_version must match the current version (412)")
    func machineVersion() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let stale = try await api.request(.put, Self.base(machine) + "/metadata", json: #"{"metadata":{"a":"1"},"machine_version":"01HEPA330HZ37A78TK080NAK1M"}"#)
            #expect(stale.status == .preconditionFailed)
            #expect(try await Self.metadata(api, machine)["a"] == nil)
            let current = try await api.request(.put, Self.base(machine) + "/metadata", json: #"{"metadata":{"a":"1"},"machine_version":"\#(machine.instanceID)"}"#)
            #expect(current.status == .noContent)
            #expect(try await Self.metadata(api, machine)["a"] == "1")
        }
    }

    @Test("metadata updates: bad bodies are refused", arguments: [
        (#"{"metadata":{"":"x"}}"#, HTTPResponse.Status.badRequest), ("", .badRequest), (#"{"metadata":"#, .badRequest),
        (#"{}"#, .unprocessableContent), (#"{"metadata":{"a":5}}"#, .unprocessableContent),
    ] as [(String, HTTPResponse.Status)])
    func badBodies(json: String, status: HTTPResponse.Status) async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            #expect(try await api.request(.put, Self.base(machine) + "/metadata", json: json).status == status)
        }
    }

    @Test("single keys: GET, POST, DELETE; missing keys are 404")
    func keys() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let missing = try await api.request(.get, Self.base(machine) + "/metadata/role")
            #expect(missing.status == .notFound)
            let post = try await api.request(.post, Self.base(machine) + "/metadata/role", json: #"{"value":"web","updated_at":""}"#)
            #expect(post.status == .noContent)
            let get = try await api.request(.get, Self.base(machine) + "/metadata/role")
            #expect(get.status == .ok)
            #expect(try get.decode([String: String].self) == ["value": "web"])
            #expect(try await api.request(.post, Self.base(machine) + "/metadata/role", json: #"{"value":"worker"}"#).status == .noContent)
            #expect(try await api.request(.get, Self.base(machine) + "/metadata/role").decode([String: String].self) == ["value": "worker"])
            #expect(try await api.request(.post, Self.base(machine) + "/metadata/role", json: #"{}"#).status == .unprocessableContent)
            let delete = try await api.request(.delete, Self.base(machine) + "/metadata/role")
            #expect(delete.status == .noContent)
            #expect(try await api.request(.get, Self.base(machine) + "/metadata/role").status == .notFound)
            #expect(try await api.request(.delete, Self.base(machine) + "/metadata/role").status == .notFound)
        }
    }

    @Test("metadata of an unknown machine is 404")
    func unknownMachine() async throws {
        try await API.withApp { api in
            let get = try await api.request(.get, "/v1/apps/web/machines/00000000000000/metadata")
            let put = try await api.request(.put, "/v1/apps/web/machines/00000000000000/metadata", json: #"{"metadata":{}}"#)
            #expect(get.status == .notFound)
            #expect(put.status == .notFound)
        }
    }

    @Test("events: newest first, with ms timestamps and the limit honoured")
    func events() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let start = MachineEvent(id: ULID.make(), type: "start", status: "started", source: "flyd", timestamp: Timestamps.unixMillis(Date()))
            try await api.report(machine.id, .started, event: start)
            let exit = MachineEvent(
                id: ULID.make(), type: "exit", status: "stopped", source: "flyd", timestamp: Timestamps.unixMillis(Date()),
                request: .object(["exit_event": .object(["exit_code": .number(0), "requested_stop": .bool(true), "exited_at": .string("2023-11-14T22:13:20Z")])]))
            try await api.report(machine.id, .stopped, event: exit)
            let response = try await api.request(.get, Self.base(machine) + "/events")
            #expect(response.status == .ok)
            let events = try response.decode([MachineEvent].self)
            #expect(events.map(\.type) == ["exit", "start", "launch"])
            #expect(events[0] == exit)
            #expect(events.allSatisfy { $0.timestamp > 1_600_000_000_000 })
            let raw = try response.array()
            #expect(((raw[0]["request"] as? [String: Any])?["exit_event"] as? [String: Any])?["exited_at"] as? String == "2023-11-14T22:13:20Z")

            let limited = try await api.request(.get, Self.base(machine) + "/events?limit=1").decode([MachineEvent].self)
            #expect(limited.map(\.type) == ["exit"])
            // The machine object carries the same newest-first events.
            #expect(try await api.machine(machine.id).events?.map(\.type) == ["exit", "start", "launch"])
        }
    }

    @Test("events: a limit below 1 or not a number is 400", arguments: ["?limit=0", "?limit=-1", "?limit=ten"])
    func badLimit(query: String) async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            #expect(try await api.request(.get, Self.base(machine) + "/events" + query).status == .badRequest)
        }
    }

    @Test("events: at most 50 are returned")
    func eventCap() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            for _ in 0..<55 {
                try await api.report(machine.id, .started, event: MachineEvent(id: ULID.make(), type: "start", status: "started", source: "flyd", timestamp: 1))
            }
            #expect(try await api.request(.get, Self.base(machine) + "/events?limit=500").decode([MachineEvent].self).count == 50)
            #expect(try await api.request(.get, Self.base(machine) + "/events").decode([MachineEvent].self).count == 20)
        }
    }

    @Test("versions: newest first with user_config")
    func versions() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let first = try await api.request(.get, Self.base(machine) + "/versions")
            #expect(first.status == .ok)
            #expect(try first.decode([MachineVersion].self).map(\.version) == [machine.instanceID])
            #expect((try first.array().first?["user_config"] as? [String: Any])?["image"] as? String == "web:v1")
            let updated = try await api.request(.post, Self.base(machine), json: #"{"config":{"image":"web:v2"}}"#).decode(Machine.self)
            let versions = try await api.request(.get, Self.base(machine) + "/versions").decode([MachineVersion].self)
            #expect(versions.map(\.version) == [updated.instanceID, machine.instanceID])
            #expect(versions.map(\.userConfig.image) == ["web:v2", "web:v1"])
            #expect(try await api.request(.get, "/v1/apps/web/machines/00000000000000/versions").status == .notFound)
        }
    }
}

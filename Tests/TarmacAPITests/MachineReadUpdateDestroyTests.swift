import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TarmacAgentProtocol
import TarmacModel

@Suite("API: get, list, update, destroy")
struct MachineReadUpdateDestroyTests {
    typealias API = APIHarness

    @Test("get: 200, unknown machine 404 machine not found, other app's machine 404")
    func get() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            #expect(try await api.machine(machine.id).id == machine.id)
            let missing = try await api.request(.get, "/v1/apps/web/machines/00000000000000")
            #expect(missing.status == .notFound)
            #expect(try missing.errorText() == "machine not found")
            try await api.createApp("api")
            #expect(try await api.request(.get, "/v1/apps/api/machines/\(machine.id)").status == .notFound)
            #expect(try await api.request(.get, "/v1/apps/nope/machines/\(machine.id)").status == .notFound)
        }
    }

    /// Three machines: `a` started (role=web), `b` stopped (role=worker), `c` created (no role).
    static func threeMachines(_ api: APIHarness) async throws -> (Machine, Machine, Machine) {
        let a = try await api.createMachine(#"{"name":"a","config":{"image":"web:v1","metadata":{"role":"web","fly_process_group":"app"}}}"#)
        let b = try await api.createMachine(#"{"name":"b","config":{"image":"web:v1","metadata":{"role":"worker"}}}"#)
        let c = try await api.createMachine(#"{"name":"c","config":{"image":"web:v1"}}"#)
        try await api.report(a.id, .started)
        try await api.report(b.id, .stopped)
        return (a, b, c)
    }

    static func names(_ api: APIHarness, _ query: String) async throws -> [String] {
        let response = try await api.request(.get, "/v1/apps/web/machines" + query)
        try #require(response.status == .ok, "\(query): \(response.status) \(response.text)")
        return try response.decode([Machine].self).map(\.name).sorted()
    }

    @Test("list filters: state, region, metadata, include_deleted")
    func listFilters() async throws {
        try await API.withApp { api in
            let (_, _, c) = try await Self.threeMachines(api)
            #expect(try await Self.names(api, "") == ["a", "b", "c"])
            #expect(try await Self.names(api, "?state=started") == ["a"])
            #expect(try await Self.names(api, "?state=started,stopped") == ["a", "b"])
            #expect(try await Self.names(api, "?state=started&state=created") == ["a", "c"])
            #expect(try await Self.names(api, "?region=local") == ["a", "b", "c"])
            #expect(try await Self.names(api, "?region=ams").isEmpty)
            #expect(try await Self.names(api, "?metadata.role=web") == ["a"])
            #expect(try await Self.names(api, "?metadata.role=worker") == ["b"])
            #expect(try await Self.names(api, "?metadata.role=web&metadata.fly_process_group=app") == ["a"])
            #expect(try await Self.names(api, "?metadata.role=web&metadata.fly_process_group=other").isEmpty)
            #expect(try await Self.names(api, "?metadata.role=web&state=stopped").isEmpty)

            try await api.report(c.id, .destroyed)
            #expect(try await Self.names(api, "") == ["a", "b"])
            #expect(try await Self.names(api, "?include_deleted=true") == ["a", "b", "c"])
            #expect(try await Self.names(api, "?include_deleted=true&state=destroyed") == ["c"])
            // A destroyed machine is still readable directly.
            #expect(try await api.machine(c.id).state == "destroyed")
        }
    }

    @Test("list: bad filter values are 400", arguments: ["?state=bogus", "?include_deleted=maybe", "?summary=perhaps"])
    func badFilters(query: String) async throws {
        try await API.withApp { api in
            let response = try await api.request(.get, "/v1/apps/web/machines" + query)
            #expect(response.status == .badRequest)
        }
    }

    @Test("list: summary omits config and events")
    func summary() async throws {
        try await API.withApp { api in
            _ = try await Self.threeMachines(api)
            let full = try await api.request(.get, "/v1/apps/web/machines").array()
            #expect(full.allSatisfy { $0["config"] != nil && $0["events"] != nil })
            let summary = try await api.request(.get, "/v1/apps/web/machines?summary=true").array()
            #expect(summary.count == 3)
            #expect(summary.allSatisfy { $0["config"] == nil && $0["events"] == nil })
            #expect(summary.allSatisfy { $0["id"] != nil && $0["state"] != nil && $0["instance_id"] != nil })
        }
    }

    @Test("list of an unknown app is 404")
    func listUnknownApp() async throws {
        try await API.with { api in
            let response = try await api.request(.get, "/v1/apps/nope/machines")
            #expect(response.status == .notFound)
        }
    }

    @Test("org machines list the org's machines across apps")
    func orgMachines() async throws {
        try await API.withApp { api in
            try await api.createApp("api")
            let a = try await api.createMachine()
            let b = try await api.createMachine(app: "api")
            let response = try await api.request(.get, "/v1/orgs/personal/machines")
            #expect(response.status == .ok)
            let body = try response.object()
            let machines = try #require(body["machines"] as? [[String: Any]])
            #expect(Set(machines.compactMap { $0["id"] as? String }) == [a.id, b.id])
            #expect(body["last_machine_id"] as? String == machines.last?["id"] as? String)
            #expect(try await api.request(.get, "/v1/orgs/acme/machines").status == .notFound)
            #expect(try await api.request(.get, "/v1/orgs/personal/machines?state=bogus").status == .badRequest)
        }
    }

    @Test("org machines carry config{image, guest, metadata} as the reference's OrgMachine does")
    func orgMachineConfig() async throws {
        try await API.withApp { api in
            try await api.createMachine(#"{"config":{"image":"web:v1","metadata":{"role":"web"}}}"#)
            let body = try await api.request(.get, "/v1/orgs/personal/machines").object()
            let machine = try #require((body["machines"] as? [[String: Any]])?.first)
            let config = try #require(machine["config"] as? [String: Any])
            #expect(config["image"] as? String == "web:v1")
            #expect(config["guest"] != nil)
            #expect((config["metadata"] as? [String: String])?["role"] == "web")
        }
    }

    // MARK: update

    @Test("update: new instance_id, new image, a new version, the agent gets the new spec")
    func update() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine(#"{"name":"one","config":{"image":"web:v1"}}"#)
            let response = try await api.request(.post, "/v1/apps/web/machines/\(machine.id)", json: #"{"config":{"image":"web:v2","env":{"A":"1"}}}"#)
            #expect(response.status == .ok)
            let updated = try response.decode(Machine.self)
            #expect(updated.id == machine.id)
            #expect(updated.name == "one")
            #expect(updated.instanceID != machine.instanceID)
            #expect(ULID.isValid(updated.instanceID))
            #expect(updated.imageRef == FakeAgent.images["web:v2"])
            #expect(updated.config?.env == ["A": "1"])
            let apply = try #require(api.agent.applies.last)
            #expect(apply.spec.instanceID == updated.instanceID)
            #expect(apply.spec.config.image == "web:v2")
            #expect(apply.launch)
            let versions = try await api.request(.get, "/v1/apps/web/machines/\(machine.id)/versions").decode([MachineVersion].self)
            #expect(versions.map(\.version) == [updated.instanceID, machine.instanceID])
            #expect(versions.first?.userConfig.image == "web:v2")
            let events = try await api.request(.get, "/v1/apps/web/machines/\(machine.id)/events").decode([MachineEvent].self)
            #expect(events.first?.type == "update")
            #expect(try await api.machine(machine.id).instanceID == updated.instanceID)
        }
    }

    @Test("update with skip_launch asks the agent not to launch")
    func updateSkipLaunch() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            #expect(try await api.request(.post, "/v1/apps/web/machines/\(machine.id)", json: #"{"config":{"image":"web:v2"},"skip_launch":true}"#).status == .ok)
            #expect(api.agent.applies.last?.launch == false)
        }
    }

    @Test("update: current_version must match")
    func currentVersion() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let stale = try await api.request(.post, "/v1/apps/web/machines/\(machine.id)", json: #"{"current_version":"01HEPA330HZ37A78TK080NAK1M","config":{"image":"web:v2"}}"#)
            #expect(stale.status == .conflict)
            #expect(try await api.machine(machine.id).instanceID == machine.instanceID)
            let fresh = try await api.request(.post, "/v1/apps/web/machines/\(machine.id)", json: #"{"current_version":"\#(machine.instanceID)","config":{"image":"web:v2"}}"#)
            #expect(fresh.status == .ok)
        }
    }

    @Test("update: name and region are immutable; the same name is fine")
    func immutable() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine(#"{"name":"one","config":{"image":"web:v1"}}"#)
            let rename = try await api.request(.post, "/v1/apps/web/machines/\(machine.id)", json: #"{"name":"two","config":{"image":"web:v1"}}"#)
            #expect(rename.status == .badRequest)
            #expect(try rename.errorText().contains("immutable"))
            let move = try await api.request(.post, "/v1/apps/web/machines/\(machine.id)", json: #"{"region":"ams","config":{"image":"web:v1"}}"#)
            #expect(move.status == .badRequest)
            #expect(try await api.request(.post, "/v1/apps/web/machines/\(machine.id)", json: #"{"name":"one","region":"local","config":{"image":"web:v1"}}"#).status == .ok)
        }
    }

    @Test("update: invalid configs and images are 422 and change nothing", arguments: [
        #"{"config":{"image":"web:v1","guest":{"memory_mb":300}}}"#, #"{"config":{"image":"nope:v9"}}"#, #"{}"#,
    ])
    func invalidUpdate(json: String) async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let response = try await api.request(.post, "/v1/apps/web/machines/\(machine.id)", json: json)
            #expect(response.status == .unprocessableContent)
            #expect(try await api.machine(machine.id).instanceID == machine.instanceID)
            #expect(api.agent.applies.count == 1)
        }
    }

    @Test("update: an update the agent refuses leaves the machine at its previous version")
    func agentRefusesUpdate() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            api.agent.failApply(with: AgentError(.invalidArgument, "nothing to run"))
            let response = try await api.request(.post, "/v1/apps/web/machines/\(machine.id)", json: #"{"config":{"image":"web:v2"}}"#)
            #expect(response.status == .unprocessableContent)
            let current = try await api.machine(machine.id)
            #expect(current.instanceID == machine.instanceID)
            #expect(current.config?.image == "web:v1")
            #expect(try await api.store.versions(machineID: machine.id).count == 1)
        }
    }

    @Test("update: a lost reply keeps the new desired version, to be delivered by reconciliation")
    func lostUpdateReply() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            api.agent.failApply(with: AgentError(.unavailable, "host is down"))
            let response = try await api.request(.post, "/v1/apps/web/machines/\(machine.id)", json: #"{"config":{"image":"web:v2"}}"#)
            #expect(response.status == .ok)
            let current = try await api.machine(machine.id)
            #expect(current.instanceID != machine.instanceID)
            #expect(current.config?.image == "web:v2")
            #expect(try await api.store.machine(id: machine.id)?.needsApply == true)
        }
    }

    @Test("update: PUT is accepted as an update, as Fly clients send it")
    func putUpdate() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let response = try await api.request(.put, "/v1/apps/web/machines/\(machine.id)", json: #"{"config":{"image":"web:v2"}}"#)
            #expect(response.status == .ok)
            #expect(try response.decode(Machine.self).config?.image == "web:v2")
            #expect(api.agent.applies.last?.spec.config.image == "web:v2")
        }
    }

    @Test("update of an unknown machine is 404; malformed body is 400")
    func updateErrors() async throws {
        try await API.withApp { api in
            #expect(try await api.request(.post, "/v1/apps/web/machines/00000000000000", json: #"{"config":{"image":"web:v1"}}"#).status == .notFound)
            let machine = try await api.createMachine()
            #expect(try await api.request(.post, "/v1/apps/web/machines/\(machine.id)", json: #"{"config":"#).status == .badRequest)
        }
    }

    // MARK: destroy

    @Test("destroy: a created machine is destroyed without force")
    func destroyCreated() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let response = try await api.request(.delete, "/v1/apps/web/machines/\(machine.id)")
            #expect(response.status == .ok)
            #expect(api.agent.commands.map(\.command) == [.destroy(force: false)])
        }
    }

    @Test("destroy: a started machine needs force (412); force=true and kill=true are accepted")
    func destroyStarted() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            try await api.report(machine.id, .started)
            let refused = try await api.request(.delete, "/v1/apps/web/machines/\(machine.id)")
            #expect(refused.status == .preconditionFailed)
            #expect(try refused.errorText().contains("force"))
            #expect(api.agent.commands.isEmpty)
            #expect(try await api.request(.delete, "/v1/apps/web/machines/\(machine.id)?force=true").status == .ok)
            let other = try await api.createMachine()
            try await api.report(other.id, .started)
            #expect(try await api.request(.delete, "/v1/apps/web/machines/\(other.id)?kill=false").status == .preconditionFailed)
            #expect(try await api.request(.delete, "/v1/apps/web/machines/\(other.id)?kill=true").status == .ok)
            #expect(api.agent.commands.map(\.command) == [.destroy(force: true), .destroy(force: true)])
            // Destroying again is 404 `machine not found`: clients take it as "already gone".
            let again = try await api.request(.delete, "/v1/apps/web/machines/\(machine.id)?force=true")
            #expect(again.status == .notFound)
            #expect(try again.errorText() == "machine not found")
        }
    }

    @Test("destroy: when the host no longer knows the machine it is recorded destroyed")
    func destroyUnknownOnHost() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            api.agent.fail("destroy", with: AgentError(.notFound, "machine not found"))
            #expect(try await api.request(.delete, "/v1/apps/web/machines/\(machine.id)").status == .ok)
            #expect(try await api.machine(machine.id).state == "destroyed")
            #expect(try await api.request(.get, "/v1/apps/web/machines").decode([Machine].self).isEmpty)
            // A destroyed machine can't be mutated any more: it is gone (404), for DELETE too.
            #expect(try await api.request(.post, "/v1/apps/web/machines/\(machine.id)/start").status == .notFound)
            #expect(try await api.request(.delete, "/v1/apps/web/machines/\(machine.id)").status == .notFound)
        }
    }

    @Test("destroy of an unknown machine is 404")
    func destroyMissing() async throws {
        try await API.withApp { api in
            let response = try await api.request(.delete, "/v1/apps/web/machines/00000000000000?force=true")
            #expect(response.status == .notFound)
        }
    }
}

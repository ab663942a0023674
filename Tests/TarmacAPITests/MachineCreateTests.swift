import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TarmacAgentProtocol
import TarmacModel

@Suite("API: create machine")
struct MachineCreateTests {
    typealias API = APIHarness

    @Test("200 with a created Machine: 14-hex id, ULID instance_id, generated name, resolved image_ref")
    func create() async throws {
        try await API.withApp { api in
            let response = try await api.request(.post, "/v1/apps/web/machines", json: #"{"config":{"image":"web:v1","env":{"PORT":"8080"}}}"#)
            #expect(response.status == .ok)
            let machine = try response.decode(Machine.self)
            #expect(machine.state == "created")
            #expect(Identifiers.isMachineID(machine.id))
            #expect(ULID.isValid(machine.instanceID))
            #expect(machine.version == machine.instanceID)
            #expect(Identifiers.isValidName(machine.name))
            #expect(machine.name.split(separator: "-").count == 3)
            #expect(machine.region == "local")
            #expect(machine.hostStatus == "ok")
            #expect(machine.privateIP == FakeAgent.privateIP)
            #expect(machine.imageRef == FakeAgent.images["web:v1"])
            #expect(machine.config?.image == "web:v1")
            #expect(machine.config?.env == ["PORT": "8080"])
            // Defaults are filled in.
            #expect(machine.config?.guest == MachineConfig.GuestConfig(cpuKind: "shared", cpus: 1, memoryMB: 256))
            #expect(machine.config?.restart?.policy == "on-failure")
            #expect(machine.nonce == nil)
            #expect(Timestamps.parseRFC3339(machine.createdAt) != nil)
            #expect(machine.events?.first?.type == "launch")
            let json = try response.object()
            #expect(json["instance_id"] as? String == machine.instanceID)
            #expect(json["image_ref"] != nil)

            let applies = api.agent.applies
            #expect(applies.count == 1)
            #expect(applies.first?.launch == true)
            #expect(applies.first?.spec.machineID == machine.id)
            #expect(applies.first?.spec.instanceID == machine.instanceID)
            #expect(applies.first?.spec.appName == "web")
            #expect(applies.first?.spec.imageRef == FakeAgent.images["web:v1"])
        }
    }

    @Test("GET right after create agrees with the create response")
    func readAfterCreate() async throws {
        try await API.withApp { api in
            let created = try await api.createMachine()
            let fetched = try await api.machine(created.id)
            #expect(fetched.id == created.id)
            #expect(fetched.name == created.name)
            #expect(fetched.instanceID == created.instanceID)
            #expect(fetched.config == created.config)
            #expect(fetched.imageRef == created.imageRef)
            #expect(fetched.privateIP == created.privateIP)
        }
    }

    @Test("skip_launch creates without launching")
    func skipLaunch() async throws {
        try await API.withApp { api in
            try await api.createMachine(#"{"config":{"image":"web:v1"},"skip_launch":true}"#)
            #expect(api.agent.applies.map(\.launch) == [false])
        }
    }

    @Test("a given name is used; a duplicate is 409 already_exists naming the existing machine")
    func duplicateName() async throws {
        try await API.withApp { api in
            let first = try await api.createMachine(#"{"name":"web-1","config":{"image":"web:v1"}}"#)
            #expect(first.name == "web-1")
            let response = try await api.request(.post, "/v1/apps/web/machines", json: #"{"name":"web-1","config":{"image":"web:v1"}}"#)
            #expect(response.status == .conflict)
            let text = try response.errorText()
            #expect(text.contains("already_exists"))
            #expect(text.contains(first.id))
            #expect(text.contains("\"web-1\""))
            #expect(api.agent.applies.count == 1)
            #expect(try await api.request(.get, "/v1/apps/web/machines").decode([Machine].self).count == 1)
        }
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var json: String
        var status: HTTPResponse.Status
        /// Text the error must contain (the field it names).
        var mentions: String
        var testDescription: String { json }
    }

    static let refusals: [Refusal] = [
        Refusal(json: #"{"config":"#, status: .badRequest, mentions: "JSON"),
        Refusal(json: #"not json"#, status: .badRequest, mentions: "JSON"),
        Refusal(json: "", status: .badRequest, mentions: "body"),
        Refusal(json: #"{}"#, status: .unprocessableContent, mentions: "config"),
        Refusal(json: #"{"config":{}}"#, status: .unprocessableContent, mentions: "config.image"),
        Refusal(json: #"{"config":{"image":"nope:latest"}}"#, status: .unprocessableContent, mentions: "config.image"),
        Refusal(json: #"{"config":{"image":"Not Valid"}}"#, status: .unprocessableContent, mentions: "config.image"),
        Refusal(json: #"{"config":{"image":"web:v1","guest":{"memory_mb":300}}}"#, status: .unprocessableContent, mentions: "config.guest.memory_mb"),
        Refusal(json: #"{"config":{"image":"web:v1","guest":{"cpus":0}}}"#, status: .unprocessableContent, mentions: "config.guest.cpus"),
        Refusal(json: #"{"config":{"image":"web:v1","guest":{"cpu_kind":"gpu"}}}"#, status: .unprocessableContent, mentions: "config.guest.cpu_kind"),
        Refusal(json: #"{"name":"Bad Name","config":{"image":"web:v1"}}"#, status: .unprocessableContent, mentions: "name"),
        Refusal(json: #"{"config":{"image":"web:v1","restart":{"policy":"sometimes"}}}"#, status: .unprocessableContent, mentions: "config.restart.policy"),
        Refusal(json: #"{"config":{"image":"web:v1","restart":{"max_retries":-2}}}"#, status: .unprocessableContent, mentions: "config.restart.max_retries"),
        Refusal(json: #"{"config":{"image":"web:v1","stop_config":{"timeout":"abc"}}}"#, status: .unprocessableContent, mentions: "config.stop_config.timeout"),
        Refusal(json: #"{"config":{"image":"web:v1","stop_config":{"timeout":"10m"}}}"#, status: .unprocessableContent, mentions: "config.stop_config.timeout"),
        Refusal(json: #"{"config":{"image":"web:v1","stop_config":{"signal":"SIGFOO"}}}"#, status: .unprocessableContent, mentions: "config.stop_config.signal"),
        Refusal(json: #"{"config":{"image":"web:v1","guest":{"cpus":"two"}}}"#, status: .unprocessableContent, mentions: "config.guest.cpus"),
        Refusal(json: #"{"config":{"image":"web:v1","env":{"1X":"y"}}}"#, status: .unprocessableContent, mentions: "config.env"),
        Refusal(json: #"{"config":{"image":"web:v1"},"lease_ttl":0}"#, status: .unprocessableContent, mentions: "lease_ttl"),
        Refusal(json: #"{"config":{"image":"web:v1"},"region":"ams"}"#, status: .unprocessableContent, mentions: "ams"),
    ]

    @Test("refused creates name the problem and leave no machine behind", arguments: refusals)
    func refused(_ refusal: Refusal) async throws {
        try await API.withApp { api in
            let response = try await api.request(.post, "/v1/apps/web/machines", json: refusal.json)
            #expect(response.status == refusal.status)
            let text = try response.errorText()
            #expect(text.contains(refusal.mentions), "error was: \(text)")
            #expect(try await api.request(.get, "/v1/apps/web/machines?include_deleted=true").decode([Machine].self).isEmpty)
            #expect(api.agent.applies.isEmpty)
        }
    }

    @Test("an unknown region is insufficient_capacity")
    func unknownRegion() async throws {
        try await API.withApp { api in
            let response = try await api.request(.post, "/v1/apps/web/machines", json: #"{"config":{"image":"web:v1"},"region":"ams"}"#)
            #expect(try response.object()["status"] as? String == "insufficient_capacity")
        }
    }

    @Test("a body over 1 MiB is 413")
    func tooLarge() async throws {
        try await API.withApp { api in
            let padding = String(repeating: "x", count: 1 << 20)
            let response = try await api.request(.post, "/v1/apps/web/machines", json: #"{"config":{"image":"web:v1"},"pad":"\#(padding)"}"#)
            #expect(response.status == .contentTooLarge)
            #expect(api.agent.applies.isEmpty)
        }
    }

    @Test("unknown fields are ignored (fly-go sends skip_secrets, lsvd, init:{} …)")
    func unknownFields() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine("""
                {"config":{"image":"web:v1","init":{},"future":{"x":1},"services":[{"protocol":"tcp","internal_port":8080,"autostop":"suspend"}]},
                 "skip_secrets":false,"lsvd":false,"min_secrets_version":null,"something_new":[1,2,3]}
                """)
            #expect(machine.state == "created")
            let services = try #require(machine.config?.services, "services not echoed")
            #expect(services.first?.autostop == .suspend)
            #expect(services.first?.internalPort == 8080)
        }
    }

    @Test("lease_ttl acquires a lease atomically and returns its nonce")
    func leaseTTL() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine(#"{"config":{"image":"web:v1"},"lease_ttl":60}"#)
            let nonce = try #require(machine.nonce)
            #expect(nonce.count == 12)
            let lease = try await api.request(.get, "/v1/apps/web/machines/\(machine.id)/lease").decode(LeaseEnvelope.self)
            #expect(lease.data?.nonce == nonce)
            #expect(try await api.request(.post, "/v1/apps/web/machines/\(machine.id)/start").status == .conflict)
            #expect(try await api.request(.post, "/v1/apps/web/machines/\(machine.id)/start", headers: API.nonce(nonce)).status == .ok)
        }
    }

    @Test("skip_service_registration creates the machine cordoned")
    func cordonedCreate() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine(#"{"config":{"image":"web:v1"},"skip_service_registration":true}"#)
            #expect(machine.cordoned)
        }
    }

    @Test("when the agent refuses the create, the machine row is purged and the name stays free")
    func agentRefusesCreate() async throws {
        try await API.withApp { api in
            api.agent.failApply(with: AgentError(.invalidArgument, "nothing to run: the image has no entrypoint"))
            let response = try await api.request(.post, "/v1/apps/web/machines", json: #"{"name":"db","config":{"image":"web:v1"}}"#)
            #expect(response.status == .unprocessableContent)
            #expect(try response.errorText().contains("nothing to run"))
            let attempted = try #require(api.agent.applies.first?.spec.machineID)
            #expect(try await api.store.machine(id: attempted) == nil)
            #expect(try await api.store.events(machineID: attempted, limit: 10).isEmpty)
            #expect(try await api.request(.get, "/v1/apps/web/machines?include_deleted=true").decode([Machine].self).isEmpty)
            #expect(try await api.request(.get, "/v1/apps/web/machines/\(attempted)").status == .notFound)

            api.agent.failApply(with: nil)
            #expect(try await api.createMachine(#"{"name":"db","config":{"image":"web:v1"}}"#).name == "db")
        }
    }

    @Test("a lost reply (agent unreachable or failing) does not undo the create: it stands, to be delivered by reconciliation", arguments: [
        AgentError.Kind.unavailable, .internalError,
    ])
    func lostReplyKeepsCreate(kind: AgentError.Kind) async throws {
        try await API.withApp { api in
            api.agent.failApply(with: AgentError(kind, "connection reset"))
            let response = try await api.request(.post, "/v1/apps/web/machines", json: #"{"name":"db","config":{"image":"web:v1"}}"#)
            #expect(response.status == .ok)
            let machine = try response.decode(Machine.self)
            #expect(machine.state == "created")
            let stored = try #require(try await api.store.machine(id: machine.id))
            #expect(stored.needsApply)
            #expect(stored.desiredLaunch == true)
            #expect(try await api.request(.get, "/v1/apps/web/machines").decode([Machine].self).map(\.id) == [machine.id])
            // The name is taken by the machine that stands: a retry by name is a conflict, not a duplicate.
            api.agent.failApply(with: nil)
            #expect(try await api.request(.post, "/v1/apps/web/machines", json: #"{"name":"db","config":{"image":"web:v1"}}"#).status == .conflict)
        }
    }

    @Test("agent refusals map to API statuses", arguments: [
        (AgentError.Kind.invalidArgument, HTTPResponse.Status.unprocessableContent),
        (.imageNotFound, .unprocessableContent),
        (.unsupported, .unprocessableContent),
        (.invalidState, .preconditionFailed),
    ] as [(AgentError.Kind, HTTPResponse.Status)])
    func agentErrorMapping(kind: AgentError.Kind, status: HTTPResponse.Status) async throws {
        try await API.withApp { api in
            api.agent.failApply(with: AgentError(kind, "agent says no"))
            let response = try await api.request(.post, "/v1/apps/web/machines", json: #"{"config":{"image":"web:v1"}}"#)
            #expect(response.status == status)
            #expect(try response.errorText().contains("agent says no"))
        }
    }

    @Test("creating in an unknown app is 404 app not found")
    func unknownApp() async throws {
        try await API.with { api in
            let response = try await api.request(.post, "/v1/apps/nope/machines", json: #"{"config":{"image":"web:v1"}}"#)
            #expect(response.status == .notFound)
            #expect(try response.errorText() == "app not found")
        }
    }
}

import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TarmacAgentProtocol
import TarmacModel

/// A machine the agent reports `suspended`: visible as such, waitable, startable (resume)
/// and destroyable without force.
@Suite("API: suspended machines")
struct SuspendedMachineTests {
    typealias API = APIHarness

    static func suspended(_ api: APIHarness) async throws -> Machine {
        let machine = try await api.createMachine()
        try await api.report(machine.id, .started)
        #expect(try await api.request(.post, "/v1/apps/web/machines/\(machine.id)/suspend").status == .ok)
        try await api.report(machine.id, .suspending)
        let event = MachineEvent(id: ULID.make(), type: "suspend", status: "suspended", source: "flyd", timestamp: Timestamps.unixMillis(Date()))
        try await api.report(machine.id, .suspended, event: event)
        return machine
    }

    @Test("the agent's suspended state and suspend event show in the machine, the list filter and wait")
    func visible() async throws {
        try await API.withApp { api in
            let machine = try await Self.suspended(api)
            let current = try await api.machine(machine.id)
            #expect(current.state == "suspended")
            #expect(current.events?.first?.type == "suspend")
            #expect(current.events?.first?.status == "suspended")
            let listed = try await api.request(.get, "/v1/apps/web/machines?state=suspended").array()
            #expect(listed.map { $0["id"] as? String } == [machine.id])
            let wait = try await api.request(.get, "/v1/apps/web/machines/\(machine.id)/wait?state=suspended&timeout=1")
            #expect(wait.status == .ok)
            #expect(try wait.object()["state"] as? String == "suspended")
            let settled = try await api.request(.get, "/v1/apps/web/machines/\(machine.id)/wait?state=settled&timeout=1")
            #expect(settled.status == .ok)
        }
    }

    @Test("start of a suspended machine is forwarded (the agent resumes it); previous_state is suspended")
    func start() async throws {
        try await API.withApp { api in
            let machine = try await Self.suspended(api)
            let response = try await api.request(.post, "/v1/apps/web/machines/\(machine.id)/start")
            #expect(response.status == .ok)
            #expect(try response.object()["previous_state"] as? String == "suspended")
            #expect(api.agent.commands.map(\.command) == [.suspend, .start])
        }
    }

    @Test("destroy without force is allowed for a suspended machine")
    func destroy() async throws {
        try await API.withApp { api in
            let machine = try await Self.suspended(api)
            let response = try await api.request(.delete, "/v1/apps/web/machines/\(machine.id)")
            #expect(response.status == .ok, "\(response.text)")
            #expect(api.agent.commands.last?.command == .destroy(force: false))
        }
    }

    @Test("suspend refused by the agent for a machine that is not started is a 412")
    func suspendWrongState() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            api.agent.fail("suspend", with: AgentError(.invalidState, "machine is created, only a started machine can be suspended"))
            let response = try await api.request(.post, "/v1/apps/web/machines/\(machine.id)/suspend")
            #expect(response.status == .preconditionFailed)
            #expect(try response.errorText() == "failed_precondition: machine is created, only a started machine can be suspended")
        }
    }
}

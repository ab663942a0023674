import TarmacAgentProtocol
import TarmacModel

/// An agent connection that loses replies after the agent acted (fault tests only; see
/// `FaultPlan.Point.dropReply`). Everything else passes through.
struct FaultyAgentAPI: AgentAPI {
    let inner: any AgentAPI
    let faults: FaultInjector

    private func dropped<T>(_ value: T) throws -> T {
        if faults.fires(.dropReply) { throw AgentError(.unavailable, "the host agent's reply was lost (fault injection: drop-reply)") }
        return value
    }

    func info() async throws -> AgentInfo { try await inner.info() }
    func resolveImage(_ reference: String) async throws -> ImageRef { try await inner.resolveImage(reference) }
    func apply(_ spec: AgentMachineSpec, launch: Bool) async throws -> AgentMachineStatus { try dropped(try await inner.apply(spec, launch: launch)) }
    func command(_ machineID: String, _ command: AgentCommand) async throws -> AgentMachineStatus { try dropped(try await inner.command(machineID, command)) }
    func exec(_ machineID: String, _ request: AgentExecRequest) async throws -> AgentExecResult { try await inner.exec(machineID, request) }
    func processes(_ machineID: String) async throws -> [ProcessStat] { try await inner.processes(machineID) }
    func openConsole(_ machineID: String, _ request: AgentConsoleRequest) async throws -> AgentConsoleSession {
        try await inner.openConsole(machineID, request)
    }
    func logs(_ request: AgentLogsRequest) async throws -> AgentLogsResponse { try await inner.logs(request) }
    func machines() async throws -> [AgentMachineStatus] { try await inner.machines() }
    func updates(after: Int64, timeout: Duration) async throws -> [AgentUpdate] { try await inner.updates(after: after, timeout: timeout) }
    func acknowledge(upTo sequence: Int64) async throws { try await inner.acknowledge(upTo: sequence) }
}

import Synchronization
import TarmacAgentProtocol
import TarmacModel

/// An `AgentAPI` that records every call with its arguments and answers canned values, or
/// throws `failure` when one is set. Machines other than `knownMachines` are `notFound`.
final class FakeAgent: AgentAPI {
    enum Call: Sendable, Hashable {
        case info
        case resolveImage(String)
        case apply(AgentMachineSpec, launch: Bool)
        case command(String, AgentCommand)
        case exec(String, AgentExecRequest)
        case processes(String)
        case logs(AgentLogsRequest)
        case console(String, AgentConsoleRequest)
        case consoleInput(String)
        case machines
        case updates(after: Int64, timeout: Duration)
        case acknowledge(Int64)
    }

    struct Recorded: Sendable, Hashable {
        /// The requirement as Swift names it (`#function`).
        var requirement: String
        var call: Call
    }

    let knownMachines: Set<String>
    let answers: Answers
    /// When the fake has no updates, `updates` waits out the whole timeout (a real long-poll).
    let holdsLongPolls: Bool
    private let state = Mutex<(calls: [Recorded], failure: AgentError?)>(([], nil))

    init(knownMachines: Set<String> = Answers.machineIDs, answers: Answers = Answers(), holdsLongPolls: Bool = false) {
        self.knownMachines = knownMachines
        self.answers = answers
        self.holdsLongPolls = holdsLongPolls
    }

    var calls: [Recorded] { state.withLock { $0.calls } }

    func fail(with error: AgentError?) { state.withLock { $0.failure = error } }

    private func record(_ call: Call, _ requirement: String = #function) throws {
        let failure = state.withLock { state in
            state.calls.append(Recorded(requirement: requirement, call: call))
            return state.failure
        }
        if let failure { throw failure }
    }

    private func known(_ machineID: String) throws {
        guard knownMachines.contains(machineID) else { throw AgentError(.notFound, "machine \(machineID) not found on this host") }
    }

    func info() async throws -> AgentInfo {
        try record(.info)
        return answers.info
    }

    func resolveImage(_ reference: String) async throws -> ImageRef {
        try record(.resolveImage(reference))
        return answers.image
    }

    func apply(_ spec: AgentMachineSpec, launch: Bool) async throws -> AgentMachineStatus {
        try record(.apply(spec, launch: launch))
        try known(spec.machineID)
        return answers.status
    }

    func command(_ machineID: String, _ command: AgentCommand) async throws -> AgentMachineStatus {
        try record(.command(machineID, command))
        try known(machineID)
        return answers.status
    }

    func exec(_ machineID: String, _ request: AgentExecRequest) async throws -> AgentExecResult {
        try record(.exec(machineID, request))
        try known(machineID)
        return answers.exec
    }

    func processes(_ machineID: String) async throws -> [ProcessStat] {
        try record(.processes(machineID))
        try known(machineID)
        return answers.processes
    }

    /// An echo terminal: prints what it is sent, upper-cased, and exits with 7 at a hang-up.
    func openConsole(_ machineID: String, _ request: AgentConsoleRequest) async throws -> AgentConsoleSession {
        try record(.console(machineID, request))
        try known(machineID)
        let (events, terminal) = AsyncThrowingStream.makeStream(of: AgentConsoleOutput.self)
        terminal.yield(.output(Array("ready \(request.rows)x\(request.columns)\r\n".utf8)))
        return AgentConsoleSession(
            events: events,
            write: { [self] bytes in
                try? record(.consoleInput(String(decoding: bytes, as: UTF8.self)), "write")
                terminal.yield(.output(Array(String(decoding: bytes, as: UTF8.self).uppercased().utf8)))
            },
            resize: { rows, columns in terminal.yield(.output(Array("resized \(rows)x\(columns)\r\n".utf8))) },
            hangUp: {
                terminal.yield(.exit(code: 7, signal: 0))
                terminal.finish()
            })
    }

    func logs(_ request: AgentLogsRequest) async throws -> AgentLogsResponse {
        try record(.logs(request))
        return answers.logs
    }

    func machines() async throws -> [AgentMachineStatus] {
        try record(.machines)
        return answers.machines
    }

    func updates(after: Int64, timeout: Duration) async throws -> [AgentUpdate] {
        try record(.updates(after: after, timeout: timeout))
        if holdsLongPolls {
            try await Task.sleep(for: timeout)
            return []
        }
        return answers.updates
    }

    func acknowledge(upTo sequence: Int64) async throws {
        try record(.acknowledge(sequence))
    }
}

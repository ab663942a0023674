import Foundation
import Synchronization
import TarmacAgentProtocol
import TarmacModel

/// An in-memory host agent: resolves a fixed set of images, records every call, and fails
/// on demand. It never changes machine state by itself; tests report state changes through
/// the store, as `AgentSync` would.
final class FakeAgent: AgentAPI {
    struct State {
        var applies: [(spec: AgentMachineSpec, launch: Bool)] = []
        var commands: [(machineID: String, command: AgentCommand)] = []
        var specs: [String: AgentMachineSpec] = [:]
        var applyError: AgentError?
        /// Errors for commands by name (`start`, `stop`, `suspend`, `destroy` …).
        var commandErrors: [String: AgentError] = [:]
        var execs: [(machineID: String, request: AgentExecRequest)] = []
        /// What exec answers: a result, or an error.
        var execAnswer: Result<AgentExecResult, AgentError> = .success(
            AgentExecResult(exitCode: 0, exitSignal: 0, stdout: "", stderr: "", timedOut: false))
        /// What ps answers.
        var processesAnswer: Result<[ProcessStat], AgentError> = .success([])
        /// The lines `logs` serves (filtered by machine, cursor and time like an agent), and the
        /// requests it got.
        var logLines: [AgentLogLine] = []
        var logRequests: [AgentLogsRequest] = []
    }

    static let digestV1 = "sha256:" + String(repeating: "a1", count: 32)
    static let digestV2 = "sha256:" + String(repeating: "b2", count: 32)
    static let images: [String: ImageRef] = [
        "web:v1": ImageRef(registry: "docker.io", repository: "library/web", tag: "v1", digest: digestV1, labels: [:]),
        "web:v2": ImageRef(registry: "docker.io", repository: "library/web", tag: "v2", digest: digestV2, labels: ["version": "2"]),
    ]
    static let privateIP = "172.30.0.2"

    let state = Mutex(State())

    var applies: [(spec: AgentMachineSpec, launch: Bool)] { state.withLock { $0.applies } }
    var commands: [(machineID: String, command: AgentCommand)] { state.withLock { $0.commands } }
    var execs: [(machineID: String, request: AgentExecRequest)] { state.withLock { $0.execs } }

    func answerExec(_ answer: Result<AgentExecResult, AgentError>) { state.withLock { $0.execAnswer = answer } }
    func addLogLines(_ lines: [AgentLogLine]) { state.withLock { $0.logLines += lines } }
    var logRequests: [AgentLogsRequest] { state.withLock { $0.logRequests } }
    func answerProcesses(_ answer: Result<[ProcessStat], AgentError>) { state.withLock { $0.processesAnswer = answer } }

    func failApply(with error: AgentError?) { state.withLock { $0.applyError = error } }
    func fail(_ command: String, with error: AgentError?) { state.withLock { $0.commandErrors[command] = error } }

    static func name(of command: AgentCommand) -> String {
        switch command {
        case .start: "start"
        case .stop: "stop"
        case .restart: "restart"
        case .signal: "signal"
        case .suspend: "suspend"
        case .destroy: "destroy"
        }
    }

    func info() async throws -> AgentInfo {
        AgentInfo(hostID: "host-1", region: "local", runtime: "container", runtimeReason: "fake")
    }

    func resolveImage(_ reference: String) async throws -> ImageRef {
        guard let ref = Self.images[reference] else {
            throw AgentError(.imageNotFound, "image \"\(reference)\" is not in this host's image store")
        }
        return ref
    }

    func apply(_ spec: AgentMachineSpec, launch: Bool) async throws -> AgentMachineStatus {
        try state.withLock { state in
            state.applies.append((spec, launch))
            if let error = state.applyError { throw error }
            state.specs[spec.machineID] = spec
            return AgentMachineStatus(
                machineID: spec.machineID, instanceID: spec.instanceID, state: launch ? .starting : .created,
                privateIP: Self.privateIP, restartCount: 0, runtime: "container")
        }
    }

    func command(_ machineID: String, _ command: AgentCommand) async throws -> AgentMachineStatus {
        try state.withLock { state in
            state.commands.append((machineID, command))
            if let error = state.commandErrors[Self.name(of: command)] { throw error }
            guard let spec = state.specs[machineID] else { throw AgentError(.notFound, "machine not found") }
            return AgentMachineStatus(
                machineID: machineID, instanceID: spec.instanceID, state: .started, privateIP: Self.privateIP,
                restartCount: 0, runtime: "container")
        }
    }

    func exec(_ machineID: String, _ request: AgentExecRequest) async throws -> AgentExecResult {
        try state.withLock { state in
            state.execs.append((machineID, request))
            guard state.specs[machineID] != nil else { throw AgentError(.notFound, "machine not found") }
            return try state.execAnswer.get()
        }
    }

    func processes(_ machineID: String) async throws -> [ProcessStat] {
        try state.withLock { state in
            guard state.specs[machineID] != nil else { throw AgentError(.notFound, "machine not found") }
            return try state.processesAnswer.get()
        }
    }

    func openConsole(_ machineID: String, _ request: AgentConsoleRequest) async throws -> AgentConsoleSession {
        throw AgentError(.unsupported, "the fake agent has no console")
    }

    func logs(_ request: AgentLogsRequest) async throws -> AgentLogsResponse {
        state.withLock { state in
            state.logRequests.append(request)
            let asked = Set(request.machineIDs)
            let matching = state.logLines.filter { line in
                asked.contains(line.machineID) && line.number > request.after[line.machineID] ?? 0
                    && line.timestamp >= request.since ?? Int64.min
            }.sorted(by: AgentLogLine.precedes)
            var newest: [String: Int64] = [:]
            for id in asked { newest[id] = state.logLines.filter { $0.machineID == id }.map(\.number).max() ?? 0 }
            let lines = request.order == .oldest ? matching.prefix(request.limit) : matching.suffix(request.limit)
            return AgentLogsResponse(lines: Array(lines), newest: newest)
        }
    }

    func machines() async throws -> [AgentMachineStatus] { [] }

    func updates(after: Int64, timeout: Duration) async throws -> [AgentUpdate] { [] }

    func acknowledge(upTo sequence: Int64) async throws {}
}

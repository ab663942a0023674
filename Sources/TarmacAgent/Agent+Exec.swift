import Foundation
import TarmacAgentProtocol
import TarmacModel
import TarmacRuntime

extension Agent {
    /// Runs a command in a started machine. It does not go through the machine's supervisor
    /// loop (a long command must not hold up stop or destroy); it reads the machine's durable
    /// record, which the loop writes before it reports `started`, so a `started` record always
    /// carries the live handle. A machine that stops meanwhile ends the command with it.
    public func exec(_ machineID: String, _ request: AgentExecRequest) async throws -> AgentExecResult {
        guard !request.command.isEmpty else { throw AgentError(.invalidArgument, "exec needs a command") }
        let handle = try startedHandle(machineID)
        let runtimeRequest = ExecRequest(
            command: request.command, stdin: Array(request.stdin.utf8), timeout: .seconds(max(1, request.timeoutSeconds)))
        do {
            let result = try await environment.driver.exec(handle, runtimeRequest)
            return AgentExecResult(
                exitCode: result.exitCode, exitSignal: result.exitSignal, stdout: result.stdout, stderr: result.stderr,
                timedOut: result.timedOut)
        } catch let error as RuntimeError where error.code == .notRunning {
            throw AgentError(.invalidState, "machine is not running any more: \(error.message)")
        } catch let error as RuntimeError where error.code == .unsupported {
            throw AgentError(.unsupported, error.message)
        } catch let error as AgentError {
            throw error
        } catch {
            throw AgentError(.internalError, "exec failed: \(error)")
        }
    }

    /// The processes of a started machine; like exec, off the supervisor loop.
    public func processes(_ machineID: String) async throws -> [ProcessStat] {
        let handle = try startedHandle(machineID)
        do {
            return try await environment.driver.processes(handle)
        } catch let error as RuntimeError where error.code == .notRunning {
            throw AgentError(.invalidState, "machine is not running any more: \(error.message)")
        } catch let error as RuntimeError where error.code == .unsupported {
            throw AgentError(.unsupported, error.message)
        } catch {
            throw AgentError(.internalError, "listing the machine's processes failed: \(error)")
        }
    }

    /// The runtime handle of a started machine, from its durable record (which the loop
    /// writes before it reports `started`).
    func startedHandle(_ machineID: String) throws(AgentError) -> RuntimeHandle {
        let record: AgentMachineRecord?
        do {
            record = try environment.store.machine(id: machineID)
        } catch {
            throw AgentError(.internalError, "could not read the machine's record: \(error)")
        }
        guard let record, record.state != .destroyed else { throw AgentError(.notFound, "machine not found") }
        guard record.state == .started, let handle = record.handle else {
            throw AgentError(.invalidState, Self.notStartedMessage(record.state))
        }
        return handle
    }

    static func notStartedMessage(_ state: MachineState) -> String {
        switch state {
        case .stopped, .created, .failed:
            "machine is \(state.rawValue); start it first"
        case .suspended:
            "machine is suspended; start it first"
        case .starting, .restarting:
            "machine is \(state.rawValue); wait until it is started"
        default:
            "machine is \(state.rawValue), not started"
        }
    }
}

import Foundation
import TarmacAgentProtocol
import TarmacModel
import TarmacStore

extension Control {
    /// Exec timeouts in seconds: the default and the accepted range.
    public static let defaultExecTimeout = 30
    public static let execTimeoutRange = 1...3600

    /// Runs a command inside a started machine. Like the Machines API, exec needs no lease:
    /// it does not change the machine.
    public func execMachine(app: String, id: String, request: MachineExecRequest) async throws -> MachineExecResponse {
        let normalized = try Self.normalizedExec(request)
        let record = try await machineRecord(app: app, id: id)
        if record.destroyedAt != nil || record.state == .destroyed {
            throw ControlError(.preconditionFailed, "failed_precondition: machine \(id) is destroyed")
        }
        let result: AgentExecResult
        do {
            result = try await host(id: record.hostID).api.exec(record.id, normalized)
        } catch let error as AgentError where error.kind == .unsupported {
            throw ControlError(.notImplemented, error.message)
        } catch {
            throw Self.mapAgentError(error)
        }
        return MachineExecResponse(
            exitCode: result.exitCode, exitSignal: result.exitSignal, stdout: result.stdout, stderr: result.stderr,
            timedOut: result.timedOut ? true : nil)
    }

    /// Validates an exec body: `command` (argv) or `cmd` (a string split like a shell does),
    /// a non-empty program, and a timeout within ``execTimeoutRange``.
    public static func normalizedExec(_ request: MachineExecRequest) throws -> AgentExecRequest {
        let command: [String]
        if let argv = request.command, !argv.isEmpty {
            command = argv
        } else if let line = request.cmd, !line.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            do {
                command = try ShellWords.split(line)
            } catch {
                throw ControlError(.badRequest, "invalid_argument: cmd: \(error) in \(line.debugDescription)")
            }
        } else {
            throw ControlError(.badRequest, "invalid_argument: a command is required, e.g. {\"command\":[\"ls\",\"-l\"]} or {\"cmd\":\"ls -l\"}")
        }
        guard let program = command.first, !program.isEmpty else {
            throw ControlError(.badRequest, "invalid_argument: command: the program (first element) must not be empty")
        }
        let timeout = request.timeout ?? defaultExecTimeout
        guard execTimeoutRange.contains(timeout) else {
            throw ControlError(
                .badRequest,
                "invalid_argument: timeout must be between \(execTimeoutRange.lowerBound) and \(execTimeoutRange.upperBound) seconds, got \(timeout)")
        }
        return AgentExecRequest(command: command, stdin: request.stdin ?? "", timeoutSeconds: timeout)
    }
}

import Foundation
import TarmacSystem

extension ContainerDriver {
    /// Runs a command in the running container with `runc exec` (see ``RuncExecSession`` for
    /// how stdin, the timeout, signals and the output bound work). The command runs as root
    /// (`0:0`) unless `request.user` says otherwise, in the image's working directory unless
    /// `request.workingDirectory` is set, with the machine's environment plus
    /// `request.environment`.
    public func exec(_ handle: RuntimeHandle, _ request: ExecRequest) async throws -> ExecResult {
        let layout = try layout(for: handle)
        guard let program = request.command.first, !program.isEmpty else { throw RuntimeError(.startFailed, "exec needs a command") }
        guard FileManager.default.fileExists(atPath: layout.runcStateDirectory) else {
            throw RuntimeError(.notRunning, "machine \(handle.machineID) is not running")
        }
        // The exec'd process's host pid, for the kill at the timeout (removed afterwards).
        let pidFile = layout.stateDirectory + "/exec-\(UUID().uuidString).pid"
        let session = RuncExecSession(
            runc: try resolve(configuration.runc), arguments: Self.execArguments(layout: layout, request: request, pidFile: pidFile),
            pidFile: pidFile, stdin: request.stdin, timeout: request.timeout)
        let outcome = try await session.run()
        return ExecResult(
            exitCode: outcome.exitCode, exitSignal: outcome.exitSignal, stdout: outcome.stdout, stderr: outcome.stderr,
            timedOut: outcome.timedOut)
    }

    static func execArguments(layout: ContainerLayout, request: ExecRequest, pidFile: String) -> [String] {
        var arguments = ["--root", layout.runcRoot, "exec", "--pid-file", pidFile, "--user", request.user ?? "0:0"]
        for entry in request.environment { arguments += ["--env", entry] }
        if let directory = request.workingDirectory { arguments += ["--cwd", directory] }
        return arguments + [layout.containerID] + request.command
    }
}

import Foundation
import TarmacSystem

extension ContainerDriver {
    public func exec(_ handle: RuntimeHandle, _ request: ExecRequest) async throws -> ExecResult {
        // TODO(exec helper): stdin and timeout.
        try await exec(handle, command: request.command, environment: request.environment, workingDirectory: request.workingDirectory, user: request.user)
    }

    /// Runs `command` inside the running machine (`runc exec`) and collects its output.
    /// `user` is `uid[:gid]` (default root); `environment` entries are `KEY=value`.
    public func exec(
        _ handle: RuntimeHandle, command: [String], environment: [String] = [], workingDirectory: String? = nil,
        user: String? = nil
    ) async throws -> ExecResult {
        let layout = try layout(for: handle)
        guard !command.isEmpty else { throw RuntimeError(.startFailed, "exec needs a command") }
        guard FileManager.default.fileExists(atPath: layout.runcStateDirectory) else {
            throw RuntimeError(.notRunning, "machine \(handle.machineID) is not running")
        }
        var arguments = ["--root", layout.runcRoot, "exec"]
        for entry in environment { arguments += ["--env", entry] }
        if let workingDirectory { arguments += ["--cwd", workingDirectory] }
        if let user { arguments += ["--user", user] }
        arguments += [layout.containerID] + command
        let result = try await Command.run(try resolve(configuration.runc), arguments)
        return ExecResult(exitCode: Int(result.status), exitSignal: 0, stdout: result.stdout, stderr: result.stderr)
    }
}

import Foundation
import TarmacSystem

extension ContainerDriver {
    /// Output of a command run inside a machine.
    public struct ExecResult: Sendable, Hashable {
        public var exitCode: Int32
        public var stdout: String
        public var stderr: String
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
        return ExecResult(exitCode: result.status, stdout: result.stdout, stderr: result.stderr)
    }
}

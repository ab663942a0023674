import Foundation

extension ContainerDriver {
    /// An interactive session with `runc exec --tty`, run by `setsid --ctty` on a terminal of
    /// the host (`HostTerminal`): runc opens the terminal inside the container, copies between
    /// it and ours, and passes on resizes (it gets SIGWINCH as our terminal's session leader)
    /// and signals (a hang-up included). Root (`0:0`) unless `request.user` says otherwise.
    public func console(_ handle: RuntimeHandle, _ request: ConsoleRequest) async throws -> ConsoleSession {
        let layout = try layout(for: handle)
        guard let program = request.command.first, !program.isEmpty else { throw RuntimeError(.startFailed, "a console needs a command") }
        guard FileManager.default.fileExists(atPath: layout.runcStateDirectory) else {
            throw RuntimeError(.notRunning, "machine \(handle.machineID) is not running")
        }
        var arguments = ["--ctty", "--wait", try resolve(configuration.runc), "--root", layout.runcRoot, "exec", "--tty", "--user", request.user ?? "0:0"]
        for entry in request.environment { arguments += ["--env", entry] }
        if let directory = request.workingDirectory { arguments += ["--cwd", directory] }
        arguments += [layout.containerID] + request.command
        return try HostTerminal.start(program: try RuntimeTools.resolve("setsid", package: "util-linux"), arguments: arguments,
                                      rows: request.rows, columns: request.columns)
    }
}

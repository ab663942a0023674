#if canImport(Glibc)
import Glibc
#endif

/// The work of a configured shim: run the container on the driver's word,
/// then wait for its init and record how it ended.
struct ShimSupervisor {
    let configuration: ShimConfiguration
    let channel: ShimChannel

    func run() -> Int32 {
        let log = open(configuration.logPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard log >= 0 else {
            channel.reply("error cannot open log file \(configuration.logPath): \(ShimFiles.errorText())")
            return 1
        }
        // One runc process creates and starts the container (`run --detach`): the driver
        // has the network namespace ready by now, so nothing needs to happen in between.
        guard channel.readCommandString() == "run" else { return 0 }
        let run = runc(["run", "--detach", "--bundle", configuration.bundle, "--pid-file", configuration.pidFile, configuration.containerID], output: log)
        guard run?.succeeded == true, let pid = ShimFiles.readPid(configuration.pidFile) else {
            channel.reply("error " + failure("runc run", run))
            deleteContainer()
            reapAll()
            return 1
        }
        channel.reply("started \(pid)")
        channel.close()
        close(log)

        let exit = waitForInit(pid)
        deleteContainer()
        if let problem = exit.write(to: configuration.exitFile) {
            diagnose("cannot write exit file: \(problem)")
            return 1
        }
        return 0
    }

    /// Waits for the container's init (reaping any other orphan handed to us meanwhile) and
    /// describes how it ended.
    private func waitForInit(_ pid: pid_t) -> ShimExit {
        var status: Int32 = 0
        while true {
            let reaped = waitpid(-1, &status, 0)
            if reaped == pid { break }
            if reaped == -1 {
                if errno == EINTR { continue }
                return ShimExit(exitCode: 0, signal: 0, oomKilled: false,
                                error: "lost track of the container's init process (pid \(pid))")
            }
        }
        let oomKilled = (ShimFiles.oomKillCount(cgroupsPath: configuration.cgroupsPath) ?? 0) > 0
        switch ShimSpawn.Termination(waitStatus: status) {
        case .exited(let code):
            return ShimExit(exitCode: Int(code), signal: 0, oomKilled: oomKilled)
        case .signaled(let signal):
            return ShimExit(exitCode: 0, signal: Int(signal), oomKilled: oomKilled)
        }
    }

    private func runcArguments(_ arguments: [String]) -> [String] {
        ["--root", configuration.runcRoot, "--log", configuration.runcLog, "--log-format", "json"] + arguments
    }

    private func runc(_ arguments: [String], output: Int32) -> ShimSpawn.Termination? {
        ShimSpawn.run(configuration.runc, runcArguments(arguments), output: output)
    }

    private func deleteContainer() {
        _ = ShimSpawn.run(configuration.runc, runcArguments(["delete", "-f", configuration.containerID]), output: nil)
    }

    /// Reaps whatever children are left (a failed start may leave runc's init behind).
    private func reapAll() {
        var status: Int32 = 0
        while waitpid(-1, &status, WNOHANG) > 0 {}
    }

    /// The last error runc logged, or a generic description of how the step ended.
    private func failure(_ step: String, _ termination: ShimSpawn.Termination?) -> String {
        if let message = Self.lastRuncError(configuration.runcLog) { return message }
        switch termination {
        case nil: return "\(step): cannot run \(configuration.runc)"
        case .exited(let code): return "\(step) exited with status \(code)"
        case .signaled(let signal): return "\(step) was killed by signal \(signal)"
        }
    }

    /// The message of the last `error`/`fatal` line of runc's JSON log, if any.
    static func lastRuncError(_ path: String) -> String? {
        guard let bytes = ShimFiles.read(path, limit: 16 << 20) else { return nil }
        for line in bytes.split(separator: UInt8(ascii: "\n")).reversed() {
            guard let entry = try? FlatJSON.strings(line), entry["level"] == "error" || entry["level"] == "fatal",
                  let message = entry["msg"] else { continue }
            return message
        }
        return nil
    }

    /// A line on the shim's diagnostics (its stderr).
    private func diagnose(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}

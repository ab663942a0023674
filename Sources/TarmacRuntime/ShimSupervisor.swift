import Foundation
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

/// The work of a configured `ContainerShim`: create and start the container on the
/// driver's word, then wait for its init and record how it ended.
struct ShimSupervisor {
    let configuration: ContainerShim.Configuration
    let channel: ShimChannel

    func run() -> Int32 {
        let log = open(configuration.logPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard log >= 0 else {
            channel.reply("error cannot open log file \(configuration.logPath): \(String(cString: strerror(errno)))")
            return 1
        }
        guard channel.readCommand() == "create" else { return 0 }
        let create = runc(["create", "--bundle", configuration.bundle, "--pid-file", configuration.pidFile, configuration.containerID], output: log)
        guard create?.succeeded == true, let pid = readPidFile() else {
            channel.reply("error " + failure("runc create", create))
            deleteContainer()
            return 1
        }
        channel.reply("created \(pid)")

        guard channel.readCommand() == "start" else {
            deleteContainer()
            return 0
        }
        let start = runc(["start", configuration.containerID], output: log)
        guard start?.succeeded == true else {
            channel.reply("error " + failure("runc start", start))
            deleteContainer()
            reapAll()
            return 1
        }
        channel.reply("started \(pid)")
        channel.close()
        close(log)

        let status = waitForInit(pid)
        deleteContainer()
        do {
            try ExitFile.write(status, to: configuration.exitFile)
        } catch {
            FileHandle.standardError.write(Data("cannot write exit file: \(error)\n".utf8))
            return 1
        }
        return 0
    }

    /// Waits for the container's init (reaping any other orphan handed to us meanwhile) and
    /// describes how it ended.
    private func waitForInit(_ pid: pid_t) -> ExitStatus {
        var status: Int32 = 0
        while true {
            let reaped = waitpid(-1, &status, 0)
            if reaped == pid { break }
            if reaped == -1 {
                if errno == EINTR { continue }
                return ExitStatus(exitCode: 0, signal: 0, oomKilled: false, exitedAt: Date(),
                                  error: "lost track of the container's init process (pid \(pid))")
            }
        }
        let oomKilled = (CgroupV1.oomKillCount(configuration.cgroupsPath) ?? 0) > 0
        switch Spawn.Termination(waitStatus: status) {
        case .exited(let code):
            return ExitStatus(exitCode: Int(code), signal: 0, oomKilled: oomKilled, exitedAt: Date())
        case .signaled(let signal):
            return ExitStatus(exitCode: 0, signal: Int(signal), oomKilled: oomKilled, exitedAt: Date())
        }
    }

    private func runc(_ arguments: [String], output: Int32) -> Spawn.Termination? {
        let full = ["--root", configuration.runcRoot, "--log", configuration.runcLog, "--log-format", "json"] + arguments
        guard let pid = try? Spawn.launch(configuration.runc, full, fileActions: [
            .null(0), .duplicate(output, to: 1), .duplicate(output, to: 2),
        ]) else { return nil }
        return Spawn.wait(pid)
    }

    private func deleteContainer() {
        guard let pid = try? Spawn.launch(configuration.runc, [
            "--root", configuration.runcRoot, "--log", configuration.runcLog, "--log-format", "json",
            "delete", "-f", configuration.containerID,
        ], fileActions: [.null(0), .null(1), .null(2)]) else { return }
        _ = Spawn.wait(pid)
    }

    /// Reaps whatever children are left (a failed start may leave runc's init behind).
    private func reapAll() {
        var status: Int32 = 0
        while waitpid(-1, &status, WNOHANG) > 0 {}
    }

    private func readPidFile() -> pid_t? {
        guard let text = try? String(contentsOfFile: configuration.pidFile, encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The last error runc logged, or a generic description of how the step ended.
    private func failure(_ step: String, _ termination: Spawn.Termination?) -> String {
        if let message = RuncLog.lastError(configuration.runcLog) { return message }
        switch termination {
        case nil: return "\(step): cannot run \(configuration.runc)"
        case .exited(let code): return "\(step) exited with status \(code)"
        case .signaled(let signal): return "\(step) was killed by signal \(signal)"
        }
    }
}

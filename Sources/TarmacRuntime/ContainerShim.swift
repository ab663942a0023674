import Foundation
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

/// The per-container supervisor (`tarmac runtime-shim`), in the spirit of containerd's shim.
///
/// It runs in its own session as a child subreaper, so the container's init (forked by
/// `runc create`, which then exits) is reparented to it and it can `waitpid` the init and
/// capture the exit status, whatever happens to the agent that started it.
///
/// Talk with the driver is a line protocol over a Unix socket pair (the shim's fd 3), so the
/// driver can overlap its own work with the shim's start-up and with `runc create`:
/// ```
/// driver → shim        shim → driver
/// create               created <init pid>   |  error <message>
/// start                started <init pid>   |  error <message>
/// ```
/// End of file before `start` means "abort": the shim deletes what it created and
/// exits. After `started` the socket is closed and the shim only waits; when the init ends
/// it reads the OOM counter, runs `runc delete -f` and writes the exit file atomically.
public struct ContainerShim: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var runc: String
        public var runcRoot: String
        public var containerID: String
        public var bundle: String
        /// Machine log: the container's stdout and stderr, opened O_APPEND.
        public var logPath: String
        public var pidFile: String
        /// runc's own log (JSON), where its error messages are read from.
        public var runcLog: String
        public var exitFile: String
        public var cgroupsPath: String
        /// The shim's end of the control socket pair.
        public var controlDescriptor: Int32 = 3

        public init(runc: String, runcRoot: String, containerID: String, bundle: String, logPath: String, pidFile: String,
                    runcLog: String, exitFile: String, cgroupsPath: String) {
            self.runc = runc
            self.runcRoot = runcRoot
            self.containerID = containerID
            self.bundle = bundle
            self.logPath = logPath
            self.pidFile = pidFile
            self.runcLog = runcLog
            self.exitFile = exitFile
            self.cgroupsPath = cgroupsPath
        }

        /// Command-line options of `tarmac runtime-shim` (parsed by `RuntimeShimCommand`).
        public var arguments: [String] {
            [
                "--runc", runc, "--root", runcRoot, "--id", containerID, "--bundle", bundle, "--log", logPath,
                "--pid-file", pidFile, "--runc-log", runcLog, "--exit-file", exitFile, "--cgroup", cgroupsPath,
            ]
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs the shim to completion; returns the process exit code (0 once the container ran
    /// and its exit was recorded, 1 when starting failed, 0 on abort).
    public func run() -> Int32 {
        _ = setsid()
        _ = LinuxCalls.becomeChildSubreaper()
        signal(SIGPIPE, SIG_IGN)
        LinuxCalls.setCloseOnExec(from: 3)
        let channel = Channel(socket: configuration.controlDescriptor)

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

    /// The shim's end of the control socket.
    private struct Channel {
        var socket: Int32

        func readCommand() -> String? {
            var line: [UInt8] = []
            var byte: UInt8 = 0
            while true {
                let count = read(socket, &byte, 1)
                if count == 1 {
                    if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
                    line.append(byte)
                } else if count == -1 && errno == EINTR {
                    continue
                } else {
                    return nil
                }
            }
        }

        func reply(_ line: String) {
            let single = line.replacingOccurrences(of: "\n", with: " ") + "\n"
            var bytes = Array(single.utf8)[...]
            while !bytes.isEmpty {
                let written = bytes.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if written > 0 {
                    bytes = bytes.dropFirst(written)
                } else if written == -1 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }

        func close() {
            _ = Glibc.close(socket)
        }
    }
}

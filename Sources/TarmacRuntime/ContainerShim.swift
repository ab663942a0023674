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
/// Talk with the driver is a line protocol over a Unix socket pair (the shim's fd 3). The
/// configuration arrives over the socket too, so the driver can start a shim before it knows
/// which machine it will supervise (a warm standby, see `ShimStandby`) and overlap its own
/// work with the shim's start-up and with `runc create`:
/// ```
/// driver → shim            shim → driver
/// config <JSON>            (nothing)
/// create                   created <init pid>   |  error <message>
/// start                    started <init pid>   |  error <message>
/// ```
/// End of file before `start` means "abort": the shim deletes what it created and
/// exits. After `started` the socket is closed and the shim only waits; when the init ends
/// it reads the OOM counter, runs `runc delete -f` and writes the exit file atomically.
public struct ContainerShim: Sendable {
    public struct Configuration: Sendable, Hashable, Codable {
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
        /// The shim's own stdout/stderr once configured.
        public var diagnosticsPath: String

        public init(runc: String, runcRoot: String, containerID: String, bundle: String, logPath: String, pidFile: String,
                    runcLog: String, exitFile: String, cgroupsPath: String, diagnosticsPath: String) {
            self.runc = runc
            self.runcRoot = runcRoot
            self.containerID = containerID
            self.bundle = bundle
            self.logPath = logPath
            self.pidFile = pidFile
            self.runcLog = runcLog
            self.exitFile = exitFile
            self.cgroupsPath = cgroupsPath
            self.diagnosticsPath = diagnosticsPath
        }
    }

    /// The shim's end of the control socket pair.
    public static let controlDescriptor: Int32 = 3

    private let control: Int32

    public init(controlDescriptor: Int32 = ContainerShim.controlDescriptor) {
        self.control = controlDescriptor
    }

    /// Runs the shim to completion; returns the process exit code (0 once the container ran
    /// and its exit was recorded or the driver went away before `create`, 1 when starting failed).
    public func run() -> Int32 {
        _ = setsid()
        _ = LinuxCalls.becomeChildSubreaper()
        signal(SIGPIPE, SIG_IGN)
        LinuxCalls.setCloseOnExec(from: 3)
        let channel = ShimChannel(socket: control)

        // A standby shim may wait here for a long time; the driver's exit ends it (EOF).
        guard let line = channel.readCommand(), line.hasPrefix("config ") else { return 0 }
        let configuration: Configuration
        do {
            configuration = try JSONDecoder().decode(Configuration.self, from: Data(line.utf8.dropFirst("config ".utf8.count)))
        } catch {
            channel.reply("error invalid shim configuration: \(error)")
            return 1
        }
        let diagnostics = open(configuration.diagnosticsPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        if diagnostics >= 0 {
            dup2(diagnostics, 1)
            dup2(diagnostics, 2)
            close(diagnostics)
        }
        return ShimSupervisor(configuration: configuration, channel: channel).run()
    }
}

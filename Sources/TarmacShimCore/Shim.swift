#if canImport(Glibc)
import Glibc
#endif
import CTarmacLinux

/// The per-container supervisor, in the spirit of containerd's shim: the `tarmac-shim`
/// executable and, for compatibility, `tarmac runtime-shim` run this. Foundation-free (Glibc
/// only) so the process is ready about a millisecond after its exec.
///
/// It runs in its own session as a child subreaper, so the container's init (forked by
/// `runc run --detach`, which then exits) is reparented to it and it can `waitpid` the init and
/// capture the exit status, whatever happens to the agent that started it.
///
/// Talk with the driver is a line protocol over a Unix socket pair (the shim's fd 3). The
/// configuration arrives over the socket too, so the driver can start a shim before it knows
/// which machine it will supervise (a warm standby) and overlap its own work with the
/// shim's start-up:
/// ```
/// driver → shim            shim → driver
/// config <JSON>            (nothing)
/// run                      started <init pid>   |  error <message>
/// ```
/// End of file before `run` means "abort": the shim exits. After `started` the socket is closed and the shim only waits; when the init ends
/// it reads the OOM counter, runs `runc delete -f` and writes the exit file atomically
/// (`ShimExit`).
public struct Shim: Sendable {
    /// The shim's end of the control socket pair.
    public static let controlDescriptor: Int32 = 3

    private let control: Int32

    public init(controlDescriptor: Int32 = Shim.controlDescriptor) {
        self.control = controlDescriptor
    }

    /// Runs the shim to completion; returns the process exit code (0 once the container ran
    /// and its exit was recorded or the driver went away before `run`, 1 when starting failed).
    public func run() -> Int32 {
        _ = setsid()
        _ = tarmac_set_child_subreaper()
        signal(SIGPIPE, SIG_IGN)
        Self.setCloseOnExec(from: 3)
        let channel = ShimChannel(socket: control)

        // A standby shim may wait here for a long time; the driver's exit ends it (EOF).
        let prefix = Array("config ".utf8)
        guard let line = channel.readCommand(), line.starts(with: prefix) else { return 0 }
        let configuration: ShimConfiguration
        do {
            configuration = try ShimConfiguration(json: line.dropFirst(prefix.count))
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

    /// Marks every open descriptor from `lowest` upwards close-on-exec, so runc inherits only
    /// what the shim hands it: one system call on Linux ≥ 5.11, else a walk of /proc/self/fd.
    static func setCloseOnExec(from lowest: Int32) {
        if tarmac_close_range_cloexec(UInt32(lowest)) == 0 { return }
        guard let directory = opendir("/proc/self/fd") else { return }
        defer { closedir(directory) }
        let own = dirfd(directory)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let fd = Int32(name), fd >= lowest, fd != own else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }
}

import Glibc
import TarmacGuestProtocol

/// PID 1 of every microVM: brings the machine up from the initramfs, runs the configured
/// main process, serves the host, reports how the process ended, powers off.
///
/// Whatever happens, init ends in `Shutdown.powerOff()`: a failure before the main process
/// starts is reported like an exit (with `error` set) on the exit port and the console.
struct GuestInit {
    static let portTimeout: Duration = .seconds(3)

    func run() -> Never {
        var ports: [String: String] = [:]
        do {
            let boot = try bringUp(&ports)
            var supervisor = Supervisor(config: boot.config, signals: boot.signals, control: boot.control,
                                        mainPID: boot.mainPID, oomBaseline: boot.oomBaseline)
            let exit = supervisor.run()
            ExitPort.report(exit, device: ports[GuestProtocol.exitPort])
        } catch let failure as Launcher.Failure {
            Console.error(failure.message)
            ExitPort.report(GuestExit(exitCode: failure.exitCode, signal: 0, oomKilled: false, error: failure.message),
                            device: ports[GuestProtocol.exitPort])
        } catch {
            Console.error("cannot start the machine: \(error)")
            if ports.isEmpty { ports = VirtioPorts.wait(for: [GuestProtocol.exitPort], timeout: Self.portTimeout) }
            ExitPort.report(GuestExit(exitCode: 1, signal: 0, oomKilled: false, error: "init: \(error)"),
                            device: ports[GuestProtocol.exitPort])
        }
        Shutdown.powerOff()
    }

    private struct Boot {
        var config: GuestConfig
        var signals: Signals
        var control: ControlPort?
        var mainPID: pid_t
        var oomBaseline: Int64
    }

    /// Everything up to a running main process. `ports` is filled as soon as known, so a
    /// later failure can still be reported on the exit port.
    private func bringUp(_ ports: inout [String: String]) throws -> Boot {
        let signals = try Signals()
        try mountKernelFileSystems()
        if (FileSystem.readText("/proc/cmdline") ?? "").split(separator: " ").contains(where: { $0.hasPrefix(GuestProtocol.debugFlag) }) {
            Console.enableDebug()
        }
        Console.debug("init started")
        try ModuleLoader.loadAll()
        Console.debug("modules loaded")
        guard let raw = FileSystem.read(GuestProtocol.configPath) else {
            throw InitError("no run configuration at \(GuestProtocol.configPath) (the per-machine initramfs archive is missing)")
        }
        let config = try GuestConfig(decoding: raw)
        try RootSwitch(config: config).run()
        Console.debug("root switched")
        try NetworkSetup(config: config).run()
        Console.debug("network up")

        ports = VirtioPorts.wait(for: [GuestProtocol.controlPort, GuestProtocol.exitPort], timeout: Self.portTimeout)
        Console.debug("ports: \(ports.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))")
        let control = ports[GuestProtocol.controlPort].flatMap(ControlPort.open)

        let identity = try Identity.resolve(config.user)
        // Like container runtimes, create a missing working directory for the main process.
        if !config.workingDirectory.isEmpty && !FileSystem.isDirectory(config.workingDirectory) {
            try FileSystem.makeDirectories(config.workingDirectory)
            _ = chown(config.workingDirectory, identity.uid, identity.gid)
        }
        let nullInput = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if nullInput >= 0 { close(nullInput) } }
        let oomBaseline = ProcessTable.oomKills()
        let launcher = Launcher(args: config.args, env: Launcher.environment(config.env, identity: identity, hostname: config.hostname),
                                workingDirectory: config.workingDirectory, identity: identity, stdin: nullInput)
        let pid = try launcher.spawn()
        Console.debug("main process \(pid) started: \(config.args.joined(separator: " "))")
        return Boot(config: config, signals: signals, control: control, mainPID: pid, oomBaseline: oomBaseline)
    }

    /// /proc, /sys and /dev (devtmpfs: the kernel creates device nodes there, no udev), and
    /// standard descriptors on the console if the kernel could not open it for us.
    private func mountKernelFileSystems() throws {
        // /proc may be mounted already: the C shim mounts it before the Swift runtime starts.
        let filesystems = [("proc", "/proc", "proc", "/proc/self"), ("sysfs", "/sys", "sysfs", "/sys/kernel"),
                           ("devtmpfs", "/dev", "devtmpfs", "/dev/null")]
        for (source, target, type, probe) in filesystems where !FileSystem.exists(probe) {
            try FileSystem.makeDirectories(target)
            try FileSystem.mount(source, on: target, type: type, flags: UInt(MS_NOSUID))
        }
        if fcntl(2, F_GETFD) < 0 {
            let console = open("/dev/console", O_RDWR | O_NOCTTY)
            if console >= 0 {
                for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) < 0 { dup2(console, fd) }
                if console > 2 { close(console) }
            }
        }
    }
}

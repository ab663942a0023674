import Foundation
import Logging
import TarmacNet
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

/// Runs machines as OCI containers with `runc`, each supervised by a shim process
/// (`tarmac-shim`) that outlives the agent and records the exit status (see `ContainerShim`).
///
/// `start()` overlaps its steps to stay close to a bare `runc run`: a shim started ahead of
/// time is taken from a one-slot standby (or launched at once, its start-up running in
/// parallel), and the network namespace (veth, addresses, routes) is set up while the rootfs
/// and config.json are prepared; then the shim runs the container with one
/// `runc run --detach` into that ready namespace.
public struct ContainerDriver: RuntimeDriver {
    public let configuration: Configuration
    let logger: Logger
    let swapAccounting: Bool
    /// `configuration.openFilesLimit`, capped at this process's own hard limit: raising it
    /// further needs CAP_SYS_RESOURCE, which a sandboxed agent may lack.
    let openFilesLimit: UInt64
    let standby: ShimStandby

    public var name: String { "container" }

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.swapAccounting = CgroupV1.hasSwapAccounting
        var limit = rlimit()
        let hard = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? UInt64(limit.rlim_max) : configuration.openFilesLimit
        self.openFilesLimit = min(configuration.openFilesLimit, hard)
        self.standby = ShimStandby(command: configuration.shimCommand)
    }

    /// Starts a standby shim now so the first `start()` does not pay for launching one.
    /// Optional; `start()` keeps one ready after the first call anyway.
    public func prepare() {
        standby.refill()
    }

    func layout(for spec: RuntimeSpec) -> ContainerLayout {
        ContainerLayout(machineID: spec.machineID, machineDirectory: spec.machineDirectory, runcRoot: configuration.runcRoot,
                        prefix: configuration.resourcePrefix, instanceID: spec.instanceID)
    }

    func layout(for handle: RuntimeHandle) throws(RuntimeError) -> ContainerLayout {
        try ContainerLayout(handle: handle, runcRoot: configuration.runcRoot, prefix: configuration.resourcePrefix)
    }

    // MARK: start

    public func start(_ spec: RuntimeSpec) async throws -> RuntimeHandle {
        let began = ContinuousClock.now
        try Self.validate(spec)
        let layout = layout(for: spec)
        let interface = try Self.interface(spec.network)
        let layers: [String]
        do {
            layers = try await configuration.layers(spec.imageDigest)
        } catch {
            throw RuntimeError(.imageMissing, "image \(spec.imageDigest) is not available on this host: \(error)")
        }
        let runc = try resolve(configuration.runc)

        // Whatever an earlier run left (crash, missing cleanup) goes first; cheap when nothing is there.
        try await teardown(layout, shim: nil)
        try createDirectory(layout.stateDirectory)
        try createDirectory(layout.exitDirectory)
        Self.pruneExitFiles(layout)
        let shimConfiguration = ContainerShim.Configuration(
            runc: runc, runcRoot: configuration.runcRoot, containerID: layout.containerID, bundle: layout.bundle,
            logPath: spec.logPath, pidFile: layout.pidFile, runcLog: layout.runcLog, exitFile: layout.exitFile,
            cgroupsPath: layout.cgroupsPath, diagnosticsPath: layout.shimLog
        )
        let shim: ShimProcess
        do {
            shim = try standby.take()
        } catch {
            try? await teardown(layout, shim: nil)
            throw error
        }
        defer { standby.refill() }
        let shimStartTime = Processes.startTime(of: shim.pid) ?? 0
        try? ScratchFile.write("\(shim.pid) \(shimStartTime)\n", to: layout.shimPidFile)

        do {
            try shim.configure(shimConfiguration)
            let prepared = ContinuousClock.now
            async let networkReady: Duration = Self.setUpNetwork(layout.network, interface: interface)
            try prepareBundle(spec, layout: layout, layers: layers, joinNetwork: interface != nil)
            let bundleReady = ContinuousClock.now
            let networkTook = try await networkReady
            let runBegan = ContinuousClock.now
            try shim.send("run")
            let initPID = try await shim.receive("started", timeout: configuration.startTimeout)
            shim.closeChannel()

            var details = layout.details
            details[ContainerLayout.Key.logPath] = spec.logPath
            if configuration.initProgram != nil { details[Self.initDetail] = "tini" }
            if let initStartTime = Processes.startTime(of: initPID) {
                details[ContainerLayout.Key.processStartTime] = String(initStartTime)
            }
            if interface == nil {
                details[ContainerLayout.Key.netns] = nil
                details[ContainerLayout.Key.veth] = nil
            }
            logger.debug("container started", metadata: [
                "machine_id": "\(spec.machineID)", "pid": "\(initPID)", "duration": "\(ContinuousClock.now - began)",
                "prologue": "\(prepared - began)", "bundle": "\(bundleReady - prepared)", "network": "\(networkTook)",
                "runc": "\(ContinuousClock.now - runBegan)",
            ])
            return RuntimeHandle(machineID: spec.machineID, driver: name, pid: shim.pid, pidStartTime: shimStartTime,
                                 processPID: initPID, details: details)
        } catch {
            await shim.abandon()
            try? await teardown(layout, shim: nil)
            throw Self.startError(error)
        }
    }

    // MARK: signal, wait, status

    public func signal(_ handle: RuntimeHandle, _ signal: Int32) async throws {
        let layout = try layout(for: handle)
        if let pid = handle.processPID, let recorded = handle.details[ContainerLayout.Key.processStartTime].flatMap(UInt64.init),
           Processes.isAlive(pid: pid, startTime: recorded) {
            if kill(pid, signal) == 0 { return }
            guard errno == ESRCH else {
                throw RuntimeError(.internalError, "kill(\(pid), \(signal)) failed: \(String(cString: strerror(errno)))")
            }
        } else if FileManager.default.fileExists(atPath: layout.runcStateDirectory),
                  Processes.isAlive(pid: handle.pid, startTime: handle.pidStartTime) {
            // No usable process pid (older handle): let runc find the init.
            let result = try await Command.run(try resolve(configuration.runc),
                                               ["--root", layout.runcRoot, "kill", layout.containerID, String(signal)])
            if result.succeeded { return }
        }
        throw RuntimeError(.notRunning, "machine \(handle.machineID) is not running")
    }

    public func wait(_ handle: RuntimeHandle) async throws -> ExitStatus {
        let layout = try layout(for: handle)
        // Woken by the shim's pidfd (no timer); polled only where the kernel has no pidfds.
        try await ProcessExitMonitor.shared.waitUntilGone(pid: handle.pid, startTime: handle.pidStartTime, pollInterval: configuration.pollInterval) {
            Self.shimRunning(handle)
        }
        // The shim writes the exit file before it exits, so this read is final.
        return ExitFile.read(layout.exitFile).map { Self.throughInit($0, handle) } ?? Self.lostStatus(handle)
    }

    public func status(_ handle: RuntimeHandle) async -> RuntimeStatus {
        guard let layout = try? layout(for: handle) else { return .gone }
        if Self.shimRunning(handle) { return .running }
        if let status = ExitFile.read(layout.exitFile) { return .exited(Self.throughInit(status, handle)) }
        if FileManager.default.fileExists(atPath: layout.stateDirectory) { return .exited(Self.lostStatus(handle)) }
        return .gone
    }

    static let initDetail = "init"

    /// tini reports a process killed by signal N as exit code 128+N; turn that back into a
    /// signal so exit events say what happened. (A process that itself exits with 129–159 is
    /// indistinguishable, as with `docker run --init`.)
    static func throughInit(_ status: ExitStatus, _ handle: RuntimeHandle) -> ExitStatus {
        guard handle.details[initDetail] != nil, status.signal == 0, (129...(128 + 64)).contains(status.exitCode) else { return status }
        var translated = status
        translated.signal = status.exitCode - 128
        translated.exitCode = 0
        return translated
    }

    /// Removes this start's exit file if an earlier start of the same instance left one, and
    /// exit files of other instances older than a day (their cleanup never ran).
    static func pruneExitFiles(_ layout: ContainerLayout) {
        let fileManager = FileManager.default
        try? fileManager.removeItem(atPath: layout.exitFile)
        let cutoff = Date().addingTimeInterval(-86_400)
        for name in (try? fileManager.contentsOfDirectory(atPath: layout.exitDirectory)) ?? [] {
            let path = "\(layout.exitDirectory)/\(name)"
            if let modified = (try? fileManager.attributesOfItem(atPath: path))?[.modificationDate] as? Date, modified < cutoff {
                try? fileManager.removeItem(atPath: path)
            }
        }
    }

    /// The status reported when the shim vanished without recording one (killed, crashed).
    static func lostStatus(_ handle: RuntimeHandle) -> ExitStatus {
        ExitStatus(exitCode: 0, signal: 0, oomKilled: false, exitedAt: Date(),
                   error: "the runtime shim (pid \(handle.pid)) exited without recording the machine's exit status")
    }

    /// Whether the handle's shim is alive. When it is not and it was our child, it has been
    /// reaped by the time this returns (checked again after the liveness test, which the shim
    /// may have just lost).
    static func shimRunning(_ handle: RuntimeHandle) -> Bool {
        reapIfChild(handle)
        if Processes.isAlive(pid: handle.pid, startTime: handle.pidStartTime) { return true }
        reapIfChild(handle)
        return false
    }

    /// Reaps the shim when it is a child of this process that has exited, so no zombie stays.
    /// The start-time check keeps us from reaping an unrelated child that reused the pid.
    static func reapIfChild(_ handle: RuntimeHandle) {
        guard handle.pid > 0, Processes.startTime(of: handle.pid) == handle.pidStartTime else { return }
        _ = Spawn.poll(handle.pid)
    }

    // MARK: helpers

    func resolve(_ program: String) throws(RuntimeError) -> String {
        try RuntimeTools.resolve(program, package: program)
    }

    static func validate(_ spec: RuntimeSpec) throws(RuntimeError) {
        try spec.validate()
    }

    /// The machine's interface, or nil when the spec asks for no network (empty address).
    static func interface(_ network: NetworkSpec) throws(RuntimeError) -> MachineNetwork.Interface? {
        guard !network.address.isEmpty else { return nil }
        guard let address = IPv4Address(network.address), let gateway = IPv4Address(network.gateway),
              (1...32).contains(network.prefixLength), !network.bridge.isEmpty else {
            throw RuntimeError(.startFailed, "invalid network spec: address \(network.address)/\(network.prefixLength) gateway \(network.gateway) bridge \(network.bridge)")
        }
        return MachineNetwork.Interface(address: address, prefixLength: network.prefixLength, gateway: gateway, bridge: network.bridge)
    }

    /// The machine's namespace, veth and addresses, complete before runc starts anything in it.
    static func setUpNetwork(_ network: MachineNetwork, interface: MachineNetwork.Interface?) async throws -> Duration {
        guard let interface else { return .zero }
        let began = ContinuousClock.now
        try await network.setUp(interface)
        return ContinuousClock.now - began
    }

    static func startError(_ error: any Error) -> RuntimeError {
        switch error {
        case let error as RuntimeError: error
        case let error as NetError: RuntimeError(.resources, "network setup failed: \(error.message)")
        default: RuntimeError(.startFailed, "\(error)")
        }
    }

    func createDirectory(_ path: String) throws(RuntimeError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw RuntimeError(.resources, "cannot create \(path): \(error.localizedDescription)")
        }
    }
}

import Foundation
import Logging
import TarmacGuestProtocol
import TarmacNet
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

/// Runs machines as QEMU `microvm` guests: the Debian cloud kernel booted directly (PVH),
/// `tarmac-init` as PID 1 from a per-machine initramfs carrying the run configuration, the
/// image as an ext4 root disk with a per-start qcow2 overlay, a TAP device on the host
/// bridge, and a virtio-serial control port to init (exec, signals, status).
///
/// QEMU runs daemonized in its own session, so machines outlive the agent; everything
/// needed to find a VM again is in `RuntimeHandle.details` (see `MicroVMLayout`).
///
/// `start()` returns when the guest's init has reported on the control channel that the
/// machine's main process runs (not merely when QEMU started): the agent reports `started`
/// when `start()` returns, and a started machine should be one whose process is running.
public struct MicroVMDriver: RuntimeDriver {
    public let configuration: Configuration
    let logger: Logger
    let channels = GuestChannels()
    let accelerators = AcceleratorResolver()

    public var name: String { "microvm" }
    public var canSuspend: Bool { true }

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The accelerator machines get and why (runs the KVM probe on first use for `auto`).
    public func acceleratorDecision() async -> (name: String, reason: String) {
        let (accelerator, reason) = await accelerators.resolve(configuration)
        return (accelerator.rawValue, reason)
    }

    /// Closes every control channel this driver holds (before handing the VMs to another
    /// agent process; QEMU serves one control client at a time).
    public func releaseChannels() async {
        await channels.closeAll()
    }

    func layout(for spec: RuntimeSpec) -> MicroVMLayout {
        MicroVMLayout(machineID: spec.machineID, machineDirectory: spec.machineDirectory, prefix: configuration.resourcePrefix, instanceID: spec.instanceID)
    }

    func layout(for handle: RuntimeHandle) throws(RuntimeError) -> MicroVMLayout {
        try MicroVMLayout(handle: handle, prefix: configuration.resourcePrefix)
    }

    // MARK: start

    public func start(_ spec: RuntimeSpec) async throws -> RuntimeHandle {
        let began = ContinuousClock.now
        try Self.validate(spec)
        try configuration.guest.check()
        let qemu = try resolve(configuration.qemu, package: "qemu-system-x86")
        _ = try resolve(configuration.qemuImg, package: "qemu-utils")
        let layout = layout(for: spec)
        let (accelerator, _) = await accelerators.resolve(configuration)

        // Whatever an earlier run left (crash, missing cleanup) goes first.
        try await teardown(layout, process: nil)
        try createDirectory(layout.vmDirectory, mode: 0o700) // QMP and control sockets: root only
        try createDirectory(layout.exitDirectory)
        try createDirectory(URL(fileURLWithPath: spec.logPath).deletingLastPathComponent().path)
        try? FileManager.default.removeItem(atPath: layout.exitFile)
        try? FileManager.default.removeItem(atPath: layout.killMarker)

        var timings: [String: Duration] = [:]
        do {
            let disks = RootDisk(cacheDirectory: configuration.cacheDirectory, qemuImg: configuration.qemuImg)
            let layers = configuration.layers
            let digest = spec.imageDigest
            async let baseDisk = Self.timed { try await disks.base(digest: digest, layers: { try await Self.imageLayers(layers, digest) }) }
            async let tapReady = Self.elapsed { try await Self.createTap(layout.tap, network: spec.network) }
            let initrdStart = ContinuousClock.now
            try MachineInitrd.assemble(base: configuration.guest.initrd, tail: MachineInitrd.configArchive(guestConfig(spec)), into: layout.initrd)
            timings["initrd"] = ContinuousClock.now - initrdStart
            let (base, diskTime) = try await baseDisk
            timings["base_disk"] = diskTime
            let overlayStart = ContinuousClock.now
            try await disks.createOverlay(layout.overlay, base: base)
            timings["overlay"] = ContinuousClock.now - overlayStart
            timings["tap"] = try await tapReady

            let arguments = qemuArguments(spec, layout: layout, accelerator: accelerator)
            try Self.writeJSON(arguments, to: layout.argumentsFile)
            let launchStart = ContinuousClock.now
            let process = try await QEMUProcess.launch(qemu: qemu, arguments: arguments, pidFile: layout.pidFile)
            timings["qemu_launch"] = ContinuousClock.now - launchStart
            let bootStart = ContinuousClock.now
            let mainPID = try await awaitGuest(layout, process: process, logPath: spec.logPath, exitFile: layout.exitFile)
            timings["guest_ready"] = ContinuousClock.now - bootStart

            var details = layout.details
            details[MicroVMLayout.Key.logPath] = spec.logPath
            details[MicroVMLayout.Key.accelerator] = accelerator.rawValue
            try Self.writeJSON(details, to: layout.handleFile)
            logger.debug("microvm started", metadata: [
                "machine_id": "\(spec.machineID)", "pid": "\(process.pid)", "accelerator": "\(accelerator.rawValue)",
                "duration": "\(ContinuousClock.now - began)", "steps": "\(timings)",
            ])
            return RuntimeHandle(machineID: spec.machineID, driver: name, pid: process.pid, pidStartTime: process.startTime,
                                 processPID: mainPID, details: details)
        } catch {
            try? await teardown(layout, process: nil)
            throw Self.startError(error)
        }
    }

    /// Waits until init reports the main process running on the control channel, or QEMU
    /// ends first (then the exit report says why). Returns the main process's guest pid.
    func awaitGuest(_ layout: MicroVMLayout, process: QEMUProcess, logPath: String, exitFile: String) async throws -> Int32 {
        let timeout = configuration.startTimeout
        let interval = configuration.pollInterval
        let socketPath = layout.controlSocket
        let channel: GuestChannel = try await withThrowingTaskGroup(of: GuestChannel?.self) { group in
            group.addTask { try await GuestChannel.connect(socketPath: socketPath, timeout: timeout) }
            group.addTask {
                try await process.untilExit(pollInterval: interval)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let channel = first else {
                throw Self.guestEnded(exitFile: exitFile, logPath: logPath)
            }
            return channel
        }
        var mainPID = channel.mainPID
        let deadline = ContinuousClock.now + timeout
        while mainPID <= 0 {
            let status = try await channel.status()
            if status.running, status.pid > 0 {
                mainPID = status.pid
            } else if let exit = status.exit {
                await channel.close()
                throw RuntimeError(.startFailed, exit.error ?? "the machine's process ended during start (exit code \(exit.exitCode), signal \(exit.signal))")
            } else if ContinuousClock.now > deadline || !process.isRunning {
                await channel.close()
                throw RuntimeError(.startFailed, "the guest's init did not start the machine's process within \(timeout)")
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        await channels.store(channel, socketPath: socketPath)
        return mainPID
    }

    /// Why a VM ended during start: the exit report's error, else the console's last lines.
    static func guestEnded(exitFile: String, logPath: String) -> RuntimeError {
        if let exit = ExitReport.read(path: exitFile) {
            if let error = exit.error { return RuntimeError(.startFailed, error) }
            return RuntimeError(.startFailed, "the machine's process ended during start (exit code \(exit.exitCode), signal \(exit.signal))")
        }
        return RuntimeError(.startFailed, "the VM stopped before its init answered; console: \(consoleTail(logPath))")
    }

    func guestConfig(_ spec: RuntimeSpec) -> GuestConfig {
        var network: GuestNetwork?
        if !spec.network.address.isEmpty {
            network = GuestNetwork(address: spec.network.address, prefixLength: spec.network.prefixLength, gateway: spec.network.gateway,
                                   nameservers: spec.network.nameservers.isEmpty ? configuration.fallbackNameservers : spec.network.nameservers)
        }
        return GuestConfig(args: spec.process.args, env: spec.process.env, workingDirectory: spec.process.workingDirectory,
                           user: spec.process.user, hostname: spec.hostname, network: network)
    }

    func qemuArguments(_ spec: RuntimeSpec, layout: MicroVMLayout, accelerator: QEMUArguments.Accelerator) -> [String] {
        let hasNetwork = !spec.network.address.isEmpty
        return QEMUArguments(
            name: "\(layout.prefix)/\(spec.machineID)", accelerator: accelerator, cpus: spec.cpus,
            memoryMB: max(spec.memoryMB, configuration.minimumMemoryMB),
            kernel: configuration.guest.kernel, initrd: layout.initrd,
            kernelCommandLine: QEMUArguments.kernelCommandLine(accelerator: accelerator, tscKHz: Self.hostTSCKHz, extra: configuration.extraKernelArguments),
            rootDisk: layout.overlay, tap: hasNetwork ? layout.tap.name : nil,
            mac: hasNetwork ? QEMUArguments.macAddress(machineID: spec.machineID) : nil,
            controlSocket: layout.controlSocket, exitFile: layout.exitFile, consoleLog: spec.logPath,
            qmpSocket: layout.qmpSocket, pidFile: layout.pidFile, daemonize: true
        ).arguments
    }

    static func createTap(_ tap: TapDevice, network: NetworkSpec) async throws {
        guard !network.address.isEmpty else { return }
        try await tap.create(bridge: network.bridge)
    }

    static func imageLayers(_ layers: @Sendable (String) async throws -> [String], _ digest: String) async throws -> [String] {
        do {
            return try await layers(digest)
        } catch {
            throw RuntimeError(.imageMissing, "image \(digest) is not available on this host: \(error)")
        }
    }

    static func timed<T>(_ body: () async throws -> T) async throws -> (T, Duration) {
        let began = ContinuousClock.now
        let value = try await body()
        return (value, ContinuousClock.now - began)
    }

    static func elapsed(_ body: () async throws -> Void) async throws -> Duration {
        let began = ContinuousClock.now
        try await body()
        return ContinuousClock.now - began
    }

    /// The host's TSC frequency in kHz (from /proc/cpuinfo), handed to TCG guests.
    static let hostTSCKHz: Int? = {
        guard let text = ProcFile.read("/proc/cpuinfo") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("cpu MHz") {
            guard let value = line.split(separator: ":").last.flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) else { continue }
            return Int((value * 1000).rounded())
        }
        return nil
    }()

    // MARK: helpers

    func resolve(_ program: String, package: String) throws(RuntimeError) -> String {
        try RuntimeTools.resolve(program, package: package)
    }

    static func validate(_ spec: RuntimeSpec) throws(RuntimeError) {
        try spec.validate()
        guard spec.network.address.isEmpty || IPv4Address(spec.network.address) != nil else {
            throw RuntimeError(.startFailed, "invalid machine address \(spec.network.address)")
        }
    }

    static func startError(_ error: any Error) -> RuntimeError {
        switch error {
        case let error as RuntimeError: error
        case let error as NetError: RuntimeError(.resources, "network setup failed: \(error.message)")
        default: RuntimeError(.startFailed, "\(error)")
        }
    }

    func createDirectory(_ path: String, mode: Int? = nil) throws(RuntimeError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: mode.map { [.posixPermissions: $0] })
        } catch {
            throw RuntimeError(.resources, "cannot create \(path): \(error.localizedDescription)")
        }
    }

    static func writeJSON(_ value: some Encodable, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try ScratchFile.write(Array(try encoder.encode(value)), to: path)
    }

    /// The last few lines of the console log (cheap: reads at most the last 4 KiB).
    static func consoleTail(_ path: String, lines: Int = 5) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "(no console output)" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 4096 ? size - 4096 : 0)
        let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        let tail = text.split(separator: "\n").suffix(lines).joined(separator: " | ")
        return tail.isEmpty ? "(no console output)" : tail
    }
}

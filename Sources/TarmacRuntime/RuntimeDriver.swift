import Foundation
import TarmacModel

/// The runtime protocol every driver implements (container via runc now, microVM via QEMU
/// later). The agent's per-machine state machine decides *what* to do; a driver only does it.
///
/// Drivers must survive the agent: a machine started by one agent process keeps running when
/// that process dies, and a new agent re-attaches to it from the persisted `RuntimeHandle`.
public protocol RuntimeDriver: Sendable {
    /// `container` or `microvm`; shown in the machine's API view.
    var name: String { get }

    /// Builds everything the machine needs (rootfs, network, cgroups) and starts its main
    /// process. Returns once the process is running. On failure it must leave nothing behind.
    func start(_ spec: RuntimeSpec) async throws -> RuntimeHandle

    /// Sends a signal to the machine's main process.
    func signal(_ handle: RuntimeHandle, _ signal: Int32) async throws

    /// Waits until the main process has exited and returns how it ended. Works for handles
    /// re-adopted after an agent restart. Cancellation stops waiting, not the machine.
    func wait(_ handle: RuntimeHandle) async throws -> ExitStatus

    /// Whether the machine's process is still running, has exited (with status), or is unknown.
    func status(_ handle: RuntimeHandle) async -> RuntimeStatus

    /// Releases every resource of a stopped machine (container state, mounts, cgroups,
    /// network namespace and veth, per-start scratch). Idempotent.
    func cleanup(_ handle: RuntimeHandle) async throws

    /// Removes resources this driver finds on the host for machines not in `known`
    /// (left over by a crash at the wrong moment). Returns what it removed, for logging.
    func removeOrphans(keeping known: Set<String>) async -> [String]

    /// Runs a command inside the running machine (`runc exec` for containers, the guest
    /// init's control channel for microVMs) and collects its output. A command that outlives
    /// `request.timeout` is killed and reported with `timedOut`.
    func exec(_ handle: RuntimeHandle, _ request: ExecRequest) async throws -> ExecResult

    /// The machine's processes (`ps`), pids as the machine sees them.
    func processes(_ handle: RuntimeHandle) async throws -> [ProcessStat]

    /// Starts an interactive session: `request.command` on a new terminal inside the running
    /// machine, as its own session with the terminal as controlling terminal.
    func console(_ handle: RuntimeHandle, _ request: ConsoleRequest) async throws -> ConsoleSession

    /// CPU and memory the running machine uses; nil when it cannot be read (not running).
    func usage(_ handle: RuntimeHandle) async -> ResourceUsage?

    /// Whether `suspend` is supported (microVMs only).
    var canSuspend: Bool { get }
    /// Whether a cancelled `start`/`resume` undoes everything it made. When false (the
    /// default), the agent lets a started start finish and stops the instance afterwards.
    var startIsCancellable: Bool { get }

    /// Saves the running machine's memory and device state under its machine directory and
    /// stops it; the handle's supervising process is gone when this returns. The returned
    /// snapshot is what `resume` needs. Drivers that cannot suspend throw `.unsupported`.
    func suspend(_ handle: RuntimeHandle) async throws -> SnapshotInfo

    /// Starts the machine again from a snapshot taken by `suspend`, continuing where it
    /// stopped (same processes, same memory). Consumes the snapshot.
    func resume(_ spec: RuntimeSpec, from snapshot: SnapshotInfo) async throws -> RuntimeHandle

    /// Deletes a snapshot that will not be resumed (stop or destroy of a suspended machine).
    func discard(_ snapshot: SnapshotInfo) async
}

extension RuntimeDriver {
    public var canSuspend: Bool { false }
    public var startIsCancellable: Bool { false }

    public func suspend(_ handle: RuntimeHandle) async throws -> SnapshotInfo {
        throw RuntimeError(.unsupported, "the \(name) runtime cannot suspend machines; stop the machine instead (suspend needs the microvm runtime)")
    }

    public func resume(_ spec: RuntimeSpec, from snapshot: SnapshotInfo) async throws -> RuntimeHandle {
        throw RuntimeError(.unsupported, "the \(name) runtime cannot resume machines")
    }

    public func discard(_ snapshot: SnapshotInfo) async {}

    public func processes(_ handle: RuntimeHandle) async throws -> [ProcessStat] {
        throw RuntimeError(.unsupported, "the \(name) runtime cannot list a machine's processes")
    }

    public func usage(_ handle: RuntimeHandle) async -> ResourceUsage? { nil }

    public func console(_ handle: RuntimeHandle, _ request: ConsoleRequest) async throws -> ConsoleSession {
        throw RuntimeError(.unsupported, "the \(name) runtime has no interactive console")
    }
}

/// A command to run inside a running machine.
public struct ExecRequest: Sendable, Hashable, Codable {
    /// argv, first element is the program.
    public var command: [String]
    /// Bytes written to the command's standard input, then closed. Empty = no input.
    public var stdin: [UInt8]
    public var timeout: Duration
    /// Extra `KEY=value` entries on top of the machine's environment.
    public var environment: [String]
    public var workingDirectory: String?
    /// `uid[:gid]` or user name; nil = root.
    public var user: String?

    public init(command: [String], stdin: [UInt8] = [], timeout: Duration = .seconds(30), environment: [String] = [], workingDirectory: String? = nil, user: String? = nil) {
        self.command = command
        self.stdin = stdin
        self.timeout = timeout
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.user = user
    }
}

/// How an exec'd command ended, and its output (lossy UTF-8).
public struct ExecResult: Sendable, Hashable, Codable {
    public var exitCode: Int
    /// Signal that killed the command, else 0.
    public var exitSignal: Int
    public var stdout: String
    public var stderr: String
    /// The command ran past its timeout and was killed.
    public var timedOut: Bool

    public init(exitCode: Int, exitSignal: Int, stdout: String, stderr: String, timedOut: Bool = false) {
        self.exitCode = exitCode
        self.exitSignal = exitSignal
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
    }
}

/// Where a suspended machine's saved state lives.
public struct SnapshotInfo: Sendable, Hashable, Codable {
    public var machineID: String
    /// Driver-specific paths (state file, disk overlay kept for the resume, sizes).
    public var details: [String: String]
    public var createdAt: Date

    public init(machineID: String, details: [String: String], createdAt: Date) {
        self.machineID = machineID
        self.details = details
        self.createdAt = createdAt
    }
}

/// What to run: resolved by the agent from the machine config and the image config.
public struct RuntimeSpec: Sendable, Hashable, Codable {
    public var machineID: String
    public var instanceID: String
    public var appName: String
    /// Image digest (`sha256:…`) in the local image store.
    public var imageDigest: String
    public var process: ProcessSpec
    public var cpus: Int
    public var memoryMB: Int
    public var network: NetworkSpec
    public var hostname: String
    /// Per-machine directory owned by the driver (bundle, upper dir, logs live below it).
    public var machineDirectory: String
    /// File the machine's stdout and stderr are appended to.
    public var logPath: String

    public init(machineID: String, instanceID: String, appName: String, imageDigest: String, process: ProcessSpec, cpus: Int, memoryMB: Int, network: NetworkSpec, hostname: String, machineDirectory: String, logPath: String) {
        self.machineID = machineID
        self.instanceID = instanceID
        self.appName = appName
        self.imageDigest = imageDigest
        self.process = process
        self.cpus = cpus
        self.memoryMB = memoryMB
        self.network = network
        self.hostname = hostname
        self.machineDirectory = machineDirectory
        self.logPath = logPath
    }
}

public struct ProcessSpec: Sendable, Hashable, Codable {
    /// argv, first element is the program.
    public var args: [String]
    /// `KEY=value` entries, image env first, then machine env overriding it.
    public var env: [String]
    public var workingDirectory: String
    /// `uid[:gid]` or a user name from the image's /etc/passwd; empty = root.
    public var user: String

    public init(args: [String], env: [String], workingDirectory: String, user: String) {
        self.args = args
        self.env = env
        self.workingDirectory = workingDirectory
        self.user = user
    }
}

public struct NetworkSpec: Sendable, Hashable, Codable {
    /// The machine's private IPv4 address, e.g. `172.30.0.5`.
    public var address: String
    public var prefixLength: Int
    public var gateway: String
    /// Host bridge the machine's interface is attached to.
    public var bridge: String
    public var nameservers: [String]

    public init(address: String, prefixLength: Int, gateway: String, bridge: String, nameservers: [String]) {
        self.address = address
        self.prefixLength = prefixLength
        self.gateway = gateway
        self.bridge = bridge
        self.nameservers = nameservers
    }
}

/// What the agent persists to find a running machine again after a restart.
public struct RuntimeHandle: Sendable, Hashable, Codable {
    public var machineID: String
    public var driver: String
    /// Supervising process (the shim for containers, QEMU for microVMs).
    public var pid: Int32
    /// The supervising process's start time (from /proc/PID/stat), to tell pid reuse apart.
    public var pidStartTime: UInt64
    /// The main process inside the machine, when known.
    public var processPID: Int32?
    /// Driver-specific paths and names (container id, bundle, netns, sockets).
    public var details: [String: String]

    public init(machineID: String, driver: String, pid: Int32, pidStartTime: UInt64, processPID: Int32?, details: [String: String]) {
        self.machineID = machineID
        self.driver = driver
        self.pid = pid
        self.pidStartTime = pidStartTime
        self.processPID = processPID
        self.details = details
    }
}

public struct ExitStatus: Sendable, Hashable, Codable {
    /// Exit code when the process exited normally (0 when it was killed by a signal).
    public var exitCode: Int
    /// Signal number when the process was killed by a signal, else 0.
    public var signal: Int
    public var oomKilled: Bool
    public var exitedAt: Date
    /// Set when the runtime failed rather than the process (e.g. the shim vanished).
    public var error: String?

    public init(exitCode: Int, signal: Int, oomKilled: Bool, exitedAt: Date, error: String? = nil) {
        self.exitCode = exitCode
        self.signal = signal
        self.oomKilled = oomKilled
        self.exitedAt = exitedAt
        self.error = error
    }

    public var isSuccess: Bool { exitCode == 0 && signal == 0 && !oomKilled && error == nil }
}

public enum RuntimeStatus: Sendable, Hashable {
    case running
    case exited(ExitStatus)
    /// No trace of the machine: it was never started or has been cleaned up.
    case gone
}

/// A machine's configuration (`config` in create/update requests and Machine responses).
///
/// Fields Tarmac acts on are typed (`services`, `checks` and `mounts` included, see
/// ``MachineService``, ``MachineCheck``, ``MachineMount``); sections it stores and echoes
/// without interpreting yet (files, processes, statics …) are kept as raw JSON so they
/// round-trip unchanged.
public struct MachineConfig: Sendable, Hashable, Codable {
    public var image: String?
    public var env: [String: String]?
    public var `init`: InitConfig?
    public var guest: GuestConfig?
    public var size: String?
    public var restart: RestartConfig?
    public var autoDestroy: Bool?
    public var metadata: [String: String]?
    public var stopConfig: StopConfig?
    public var services: [MachineService]?
    /// Top-level checks by name.
    public var checks: [String: MachineCheck]?
    public var mounts: [MachineMount]?
    public var files: JSONValue?
    public var processes: JSONValue?
    public var statics: JSONValue?
    public var schedule: String?
    public var dns: JSONValue?
    public var standbys: JSONValue?
    public var metrics: JSONValue?
    public var rootfs: JSONValue?
    public var containers: JSONValue?
    public var volumes: JSONValue?
    public var disableMachineAutostart: Bool?
    /// Tarmac extension: lifecycle hooks run inside the machine.
    public var hooks: MachineHooks?

    public init(image: String? = nil) { self.image = image }

    enum CodingKeys: String, CodingKey {
        case image, env, `init`, guest, size, restart, metadata, services, checks, mounts, files, processes, statics
        case schedule, dns, standbys, metrics, rootfs, containers, volumes, hooks
        case autoDestroy = "auto_destroy"
        case stopConfig = "stop_config"
        case disableMachineAutostart = "disable_machine_autostart"
    }

    public struct InitConfig: Sendable, Hashable, Codable {
        public var exec: [String]?
        public var entrypoint: [String]?
        public var cmd: [String]?
        public var tty: Bool?
        public var swapSizeMB: Int?
        public var kernelArgs: [String]?

        public init(exec: [String]? = nil, entrypoint: [String]? = nil, cmd: [String]? = nil) {
            self.exec = exec
            self.entrypoint = entrypoint
            self.cmd = cmd
        }

        enum CodingKeys: String, CodingKey {
            case exec, entrypoint, cmd, tty
            case swapSizeMB = "swap_size_mb"
            case kernelArgs = "kernel_args"
        }

        public var isEmpty: Bool { exec == nil && entrypoint == nil && cmd == nil }
    }

    public struct GuestConfig: Sendable, Hashable, Codable {
        public var cpuKind: String?
        public var cpus: Int?
        public var memoryMB: Int?
        public var maxMemoryMB: Int?
        public var gpus: Int?
        public var gpuKind: String?
        public var kernelArgs: [String]?

        public init(cpuKind: String? = nil, cpus: Int? = nil, memoryMB: Int? = nil) {
            self.cpuKind = cpuKind
            self.cpus = cpus
            self.memoryMB = memoryMB
        }

        enum CodingKeys: String, CodingKey {
            case cpus, gpus
            case cpuKind = "cpu_kind"
            case memoryMB = "memory_mb"
            case maxMemoryMB = "max_memory_mb"
            case gpuKind = "gpu_kind"
            case kernelArgs = "kernel_args"
        }
    }

    public struct RestartConfig: Sendable, Hashable, Codable {
        public var policy: String?
        public var maxRetries: Int?

        public init(policy: String? = nil, maxRetries: Int? = nil) {
            self.policy = policy
            self.maxRetries = maxRetries
        }

        enum CodingKeys: String, CodingKey {
            case policy
            case maxRetries = "max_retries"
        }
    }

    public struct StopConfig: Sendable, Hashable, Codable {
        public var timeout: GoDuration?
        public var signal: MachineSignal?

        public init(timeout: GoDuration? = nil, signal: MachineSignal? = nil) {
            self.timeout = timeout
            self.signal = signal
        }
    }
}

/// Restart policy as the agent applies it.
public enum RestartPolicy: String, Sendable, Codable, CaseIterable {
    case no
    case always
    case onFailure = "on-failure"
}

extension MachineConfig {
    public static let defaultStopTimeout = GoDuration(seconds: 5)
    public static let maximumStopTimeout = GoDuration(seconds: 300)
    public static let defaultMaxRetries = 10

    /// The effective restart policy (default `on-failure`).
    public var restartPolicy: RestartPolicy {
        restart?.policy.flatMap(RestartPolicy.init(rawValue:)) ?? .onFailure
    }

    public var maxRetries: Int { restart?.maxRetries ?? Self.defaultMaxRetries }
    public var stopSignal: MachineSignal { stopConfig?.signal ?? .sigint }
    public var stopTimeout: GoDuration { stopConfig?.timeout ?? Self.defaultStopTimeout }
    public var cpus: Int { guest?.cpus ?? 1 }
    public var memoryMB: Int { guest?.memoryMB ?? 256 }
}

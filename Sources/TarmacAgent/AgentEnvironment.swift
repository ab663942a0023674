import Foundation
import Logging
import TarmacAgentProtocol
import TarmacImage
import TarmacModel
import TarmacRuntime

/// Everything a machine supervisor needs from its host, shared by all supervisors.
struct AgentEnvironment: Sendable {
    let driver: any RuntimeDriver
    let store: AgentStore
    let images: ImageStore
    let feed: UpdateFeed
    let addresses: AddressPool
    let machinesDirectory: String
    let logsDirectory: String
    let logger: Logger
    /// Pulls images that are not in the store (see `AgentEnvironment+Pull.swift`); nil
    /// when the agent has no registry client.
    var puller: ImagePuller? = nil
    /// Supervisor timers (stop timeout, restart backoff) and health check intervals sleep on this clock.
    var clock: any Clock<Duration> = ContinuousClock()
    /// Runs the probes of machines' health checks.
    var prober: any HealthProber = NetworkHealthProber()

    static func policy(for config: MachineConfig) -> MachineFSM.Policy {
        MachineFSM.Policy(restart: config.restartPolicy, maxRetries: config.maxRetries, autoDestroy: config.autoDestroy ?? false)
    }

    /// Merges the image's config with the machine's: `init.exec` replaces everything;
    /// `init.entrypoint` replaces the image entrypoint (and, as in Docker, drops the image
    /// cmd); `init.cmd` replaces the cmd; machine env overrides image env.
    func runtimeSpec(for record: AgentMachineRecord) async throws -> RuntimeSpec {
        let spec = record.spec
        let image = try await launchImage(for: record)
        let process = try Self.process(config: spec.config, image: image.config, machine: spec, privateIP: record.privateIP)
        let directory = machinesDirectory + "/" + spec.machineID
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let network = NetworkSpec(
            address: record.privateIP, prefixLength: addresses.prefixLength, gateway: addresses.gateway,
            bridge: addresses.bridge, nameservers: spec.config.dnsNameservers ?? ["1.1.1.1", "8.8.8.8"])
        return RuntimeSpec(
            machineID: spec.machineID, instanceID: spec.instanceID, appName: spec.appName, imageDigest: spec.imageRef.digest,
            process: process, cpus: spec.config.cpus, memoryMB: spec.config.memoryMB, network: network,
            hostname: spec.machineID, machineDirectory: directory, logPath: logPath(for: spec.machineID))
    }

    func logPath(for machineID: String) -> String { logsDirectory + "/" + machineID + ".log" }

    static func process(config: MachineConfig, image: ImageConfig, machine: AgentMachineSpec, privateIP: String) throws -> ProcessSpec {
        let initConfig = config.`init`
        var args: [String]
        if let exec = initConfig?.exec, !exec.isEmpty {
            args = exec
        } else {
            let entrypoint = initConfig?.entrypoint ?? image.entrypoint ?? []
            let cmd = initConfig?.cmd ?? (initConfig?.entrypoint != nil ? [] : image.cmd ?? [])
            args = entrypoint + cmd
        }
        guard !args.isEmpty else {
            throw AgentError(.invalidArgument, "nothing to run: the image has no entrypoint or cmd; set config.init.cmd or config.init.exec")
        }
        var env: [(String, String)] = []
        var index: [String: Int] = [:]
        func set(_ key: String, _ value: String) {
            if let position = index[key] { env[position].1 = value } else { index[key] = env.count; env.append((key, value)) }
        }
        for entry in image.env ?? [] {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            set(String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        if index["PATH"] == nil { set("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") }
        set("FLY_MACHINE_ID", machine.machineID)
        set("FLY_APP_NAME", machine.appName)
        set("FLY_REGION", machine.region)
        set("FLY_PRIVATE_IP", privateIP)
        set("FLY_MACHINE_VERSION", machine.instanceID)
        set("FLY_IMAGE_REF", machine.imageRef.digest)
        set("FLY_PROCESS_GROUP", config.metadata?["fly_process_group"] ?? "app")
        for (key, value) in (config.env ?? [:]).sorted(by: { $0.key < $1.key }) { set(key, value) }
        return ProcessSpec(args: args, env: env.map { "\($0.0)=\($0.1)" }, workingDirectory: image.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/", user: image.user ?? "")
    }

    func event(for report: MachineFSM.Report) -> MachineEvent {
        let (type, status, request): (String, String, JSONValue?) = switch report {
        case .started: ("start", "started", nil)
        case .destroyed: ("destroy", "destroyed", nil)
        case .launchFailed(let message): ("launch", "failed", .object(["error": .string(message)]))
        case .exited(let exit, let restartCount): ("exit", "stopped", Self.exitRequest(exit, restartCount: restartCount))
        case .suspended: ("suspend", "suspended", nil)
        case .suspendFailed(let message): ("suspend", "failed", .object(["error": .string(message)]))
        }
        return machineEvent(type: type, status: status, request: request)
    }

    /// An event the agent itself raises (`source: flyd`), stamped now.
    func machineEvent(type: String, status: String, request: JSONValue?) -> MachineEvent {
        let now = Date()
        return MachineEvent(id: ULID.make(date: now), type: type, status: status, source: "flyd", timestamp: Timestamps.unixMillis(now), request: request)
    }

    static func exitRequest(_ exit: ExitEvent, restartCount: Int) -> JSONValue? {
        guard let data = try? JSONEncoder().encode(exit), let value = try? JSONDecoder().decode(JSONValue.self, from: data) else { return nil }
        return .object(["exit_event": value, "restart_count": .number(Double(restartCount))])
    }
}

extension MachineConfig {
    var dnsNameservers: [String]? {
        guard case .array(let values)? = dns?["nameservers"] else { return nil }
        let servers = values.compactMap(\.stringValue)
        return servers.isEmpty ? nil : servers
    }
}

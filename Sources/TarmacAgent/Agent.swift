import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TarmacAgentProtocol
import TarmacImage
import TarmacModel
import TarmacNet
import TarmacRuntime

/// The host agent: owns the real state of this host's machines. It keeps one supervisor per
/// machine, persists everything in its own store, re-adopts running machines when it starts,
/// and serves the control plane through `AgentAPI`.
public final class Agent: AgentAPI, Service {
    public struct Configuration: Sendable {
        /// Where the agent keeps its store, machine directories and logs.
        public var dataDirectory: String
        public var region: String = "local"
        public var bridge: String = "tarmac0"
        public var subnet: IPv4CIDR
        /// Why this runtime was chosen, reported by `info()`.
        public var runtimeReason: String = ""
        /// Fault injection points for the fault tests (`TARMAC_FAULTS`); none by default.
        public var faults: FaultPlan = FaultPlan()

        public init(dataDirectory: String, subnet: IPv4CIDR) {
            self.dataDirectory = dataDirectory
            self.subnet = subnet
        }
    }

    private struct Launch: Sendable {
        var supervisor: MachineSupervisor
        var record: AgentMachineRecord
        var adopt: Bool
        /// False for a machine its first apply has yet to record.
        var persisted: Bool
    }

    private let configuration: Configuration
    let environment: AgentEnvironment
    private let supervisors = Mutex<[String: MachineSupervisor]>([:])
    private let launches: AsyncStream<Launch>
    private let launchContinuation: AsyncStream<Launch>.Continuation
    private let identity: String
    private let logger: Logger

    /// `registry` pulls images that are not in the local store yet; without it only local
    /// images can be used.
    /// `clock` drives the supervisors' timers (stop timeout, restart backoff, health check
    /// intervals) and long-poll timeouts; `prober` runs the machines' health checks.
    init(
        configuration: Configuration, driver: any RuntimeDriver, images: ImageStore, registry: RegistryClient? = nil, logger: Logger,
        clock: any Clock<Duration> = ContinuousClock(), prober: any HealthProber
    ) throws {
        self.configuration = configuration
        self.logger = logger
        let root = configuration.dataDirectory
        for directory in [root, root + "/machines", root + "/logs"] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let store = try AgentStore(path: root + "/agent.db")
        identity = try store.hostID()
        let records = try store.allMachines()
        environment = AgentEnvironment(
            driver: driver, store: store, images: images, feed: UpdateFeed(latest: try store.lastSequence(), clock: clock),
            addresses: AddressPool(subnet: configuration.subnet, bridge: configuration.bridge, inUse: records.map(\.privateIP)),
            machinesDirectory: root + "/machines", logsDirectory: root + "/logs", logger: logger,
            puller: registry.map { ImagePuller(images: images, registry: $0) }, clock: clock, prober: prober)
        (launches, launchContinuation) = AsyncStream.makeStream(of: Launch.self)
        for record in records { spawn(record, adopt: true) }
    }

    public convenience init(
        configuration: Configuration, driver: any RuntimeDriver, images: ImageStore, registry: RegistryClient? = nil, logger: Logger,
        clock: any Clock<Duration> = ContinuousClock()
    ) throws {
        try self.init(configuration: configuration, driver: driver, images: images, registry: registry, logger: logger, clock: clock, prober: NetworkHealthProber())
    }

    public var hostID: String { identity }

    /// Path of a machine's log file (stdout and stderr of its process).
    public func logPath(for machineID: String) -> String { environment.logPath(for: machineID) }

    // MARK: Service

    public func run() async throws {
        let known = Set(supervisors.withLock { Array($0.keys) })
        let removed = await environment.driver.removeOrphans(keeping: known)
        if !removed.isEmpty { logger.notice("removed orphaned runtime resources", metadata: ["resources": "\(removed)"]) }
        logger.info("agent running", metadata: ["host_id": "\(identity)", "machines": "\(known.count)", "runtime": "\(environment.driver.name)"])
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.collectLogs() }
                for await launch in self.launches {
                    group.addTask {
                        await launch.supervisor.run(record: launch.record, adopt: launch.adopt, persisted: launch.persisted)
                        self.supervisors.withLock { current in
                            if current[launch.record.id] === launch.supervisor { current[launch.record.id] = nil }
                        }
                    }
                }
            }
        }
    }

    /// Collects the machines' raw logs into records (`LogCollector`) every 250 ms, and once
    /// an hour deletes the logs of machines gone for longer than the retention period.
    private func collectLogs() async {
        let collector = LogCollector(directory: environment.logsDirectory)
        var lastExpiry: ContinuousClock.Instant?
        while !Task.isCancelled {
            let pass = collector.collectAll()
            if lastExpiry.map({ ContinuousClock.now - $0 >= .seconds(3600) }) ?? true {
                let live = Set(supervisors.withLock { Array($0.keys) })
                let expired = collector.expire(live: live)
                if !expired.isEmpty { logger.info("deleted the logs of machines destroyed more than the retention period ago", metadata: ["machine_ids": "\(expired)"]) }
                lastExpiry = .now
            }
            // A machine writing faster than a pass reads: go on at once (yielding to others).
            if pass.backlog {
                await Task.yield()
                continue
            }
            // Wall-clock polling, not a supervisor timer: not on the agent's (test-injected) clock.
            guard (try? await Task.sleep(for: .milliseconds(250))) != nil else { return }
        }
    }

    private func spawn(_ record: AgentMachineRecord, adopt: Bool) {
        let supervisor = MachineSupervisor(id: record.id, environment: environment)
        supervisors.withLock { $0[record.id] = supervisor }
        launchContinuation.yield(Launch(supervisor: supervisor, record: record, adopt: adopt, persisted: true))
    }

    // MARK: AgentAPI

    public func info() async throws -> AgentInfo {
        AgentInfo(hostID: identity, region: configuration.region, runtime: environment.driver.name, runtimeReason: configuration.runtimeReason)
    }

    /// Resolves against the local store first (as Docker does); for a reference that is not
    /// there only the registry's manifest is fetched: the layers are pulled when the machine
    /// launches, with progress in its events (`AgentEnvironment+Pull.swift`).
    public func resolveImage(_ reference: String) async throws -> ImageRef {
        do {
            guard let puller = environment.puller else { return try environment.images.resolve(reference).imageRef() }
            return try await puller.resolve(reference)
        } catch let error as ImageError {
            throw AgentError(error.code == .notFound ? .imageNotFound : .invalidArgument, error.description)
        }
    }

    /// Idempotent by machine ID and version: the machine's supervisor answers a version it
    /// already has with its status. A new machine gets a supervisor at once (so a concurrent
    /// retry queues behind the first apply) and is recorded by the supervisor's first write,
    /// which already holds the launch when one is asked for.
    public func apply(_ spec: AgentMachineSpec, launch: Bool) async throws -> AgentMachineStatus {
        if let supervisor = supervisors.withLock({ $0[spec.machineID] }) {
            let status = try await supervisor.apply(spec, launch: launch).get()
            try await FaultInjector(plan: configuration.faults).reach(.agentApplied)
            return status
        }
        do {
            if try environment.store.isTombstoned(spec.machineID) {
                throw AgentError(.notFound, "machine \(spec.machineID) was destroyed on this host")
            }
        } catch let error as AgentError {
            throw error
        } catch {
            throw AgentError(.internalError, "could not read the agent's store: \(error)")
        }
        try environment.checkImage(spec.imageRef)
        let fresh = MachineSupervisor(id: spec.machineID, environment: environment)
        let supervisor = supervisors.withLock { current -> MachineSupervisor in
            if let existing = current[spec.machineID] { return existing }
            current[spec.machineID] = fresh
            return fresh
        }
        if supervisor === fresh {
            let address: String
            do {
                address = try environment.addresses.allocate()
            } catch {
                supervisors.withLock { current in
                    if current[spec.machineID] === fresh { current[spec.machineID] = nil }
                }
                await fresh.abandon()
                throw error
            }
            let record = AgentMachineRecord(
                spec: spec, fsm: MachineFSM(policy: AgentEnvironment.policy(for: spec.config)), state: .created, handle: nil,
                privateIP: address, runtime: environment.driver.name)
            launchContinuation.yield(Launch(supervisor: fresh, record: record, adopt: false, persisted: false))
        }
        let status = try await supervisor.apply(spec, launch: launch).get()
        try await FaultInjector(plan: configuration.faults).reach(.agentApplied)
        return status
    }

    public func command(_ machineID: String, _ command: AgentCommand) async throws -> AgentMachineStatus {
        guard let supervisor = supervisors.withLock({ $0[machineID] }) else { throw AgentError(.notFound, "machine not found") }
        if case .suspend = command, !environment.driver.canSuspend {
            throw AgentError(.unsupported, "the \(environment.driver.name) runtime cannot suspend machines; stop the machine instead (suspend needs the microvm runtime)")
        }
        return try await supervisor.send(command).get()
    }

    public func machines() async throws -> [AgentMachineStatus] {
        try environment.store.allMachines().map(\.inventoryStatus)
    }

    public func updates(after: Int64, timeout: Duration) async throws -> [AgentUpdate] {
        let pending = try environment.store.updates(after: after)
        if !pending.isEmpty { return pending }
        await environment.feed.wait(after: after, timeout: timeout)
        return try environment.store.updates(after: after)
    }

    public func acknowledge(upTo sequence: Int64) async throws {
        try await environment.store.acknowledge(upTo: sequence)
    }
}

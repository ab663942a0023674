import Foundation
import Logging
import Synchronization
import TarmacAgentProtocol
import TarmacModel
import TarmacStore

/// The control plane's logic behind `/v1`: validates requests, enforces leases, records
/// desired state durably and hands work to the host agents. It never touches a runtime.
public final class Control: Sendable {
    public struct Configuration: Sendable {
        /// Region used when a request names none.
        public var defaultRegion: String = "local"
        /// How often each host is reconciled even when nothing asked for it. Default 30 s.
        public var reconcileInterval: Duration = .seconds(30)
        /// Fault injection points for the fault tests (`TARMAC_FAULTS`); none by default.
        public var faults: FaultPlan = FaultPlan()
        public init() {}
    }

    /// A host agent and where it runs.
    public struct Host: Sendable {
        public var id: String
        public var region: String
        public var runtime: String
        public var api: any AgentAPI
        public var capacity: HostCapacity

        /// Without a capacity, the host takes whatever is placed on it.
        public init(id: String, region: String, runtime: String, api: any AgentAPI, capacity: HostCapacity = HostCapacity(cpus: 4096, memoryMB: 1 << 30, diskMB: 1 << 30)) {
            self.id = id
            self.region = region
            self.runtime = runtime
            self.api = api
            self.capacity = capacity
        }
    }

    let configuration: Configuration
    let store: any ControlStore
    /// The hosts, connected or not, and the placement ledger.
    public let registry = HostRegistry()
    /// Hosts given at start-up, connected for good (`tarmac dev`'s own agent).
    let fixedHosts: [Host]
    public let waits: WaitRegistry
    let logger: Logger
    let faults: FaultInjector
    /// Hosts whose reconciliation was asked for (a delivery failed); `AgentSync` serves them.
    let reconcileRequests = ReconcileRequests()
    /// Whether the last exchange with each host's agent succeeded (`host_status`).
    let hostHealth = Mutex<[String: Bool]>([:])
    /// Machines hosts run that the store has no record of and no app to adopt them into.
    let quarantine = Mutex<[String: String]>([:])
    /// Webhooks created through the API, for the dispatcher.
    public let webhookSignal = WebhookSignal()

    /// `clock` measures wait deadlines.
    public init(configuration: Configuration, store: any ControlStore, hosts: [Host], logger: Logger, clock: any Clock<Duration> = ContinuousClock()) {
        let faults = FaultInjector(plan: configuration.faults)
        self.configuration = configuration
        self.store = store
        self.fixedHosts = hosts
        self.waits = WaitRegistry(clock: clock)
        self.logger = logger
        self.faults = faults
        let now = Date()
        for host in hosts {
            registry.connect(Self.record(of: host, at: now), api: wrapped(host.api))
        }
    }

    /// The agent API as the control plane uses it: with injected lost replies in fault tests.
    func wrapped(_ api: any AgentAPI) -> any AgentAPI {
        configuration.faults.probabilities[.dropReply, default: 0] > 0 ? FaultyAgentAPI(inner: api, faults: faults) : api
    }

    static func record(of host: Host, at date: Date) -> HostRecord {
        HostRecord(
            id: host.id, region: host.region, runtime: host.runtime, runtimeReason: "", cpus: host.capacity.cpus,
            memoryMB: host.capacity.memoryMB, diskMB: host.capacity.diskMB, memoryOvercommit: host.capacity.memoryOvercommit,
            features: [], agentVersion: "", registeredAt: date, lastConnectedAt: date)
    }

    /// Asks `AgentSync` to reconcile a host soon (a create, update or destroy was recorded
    /// but its delivery failed).
    func requestReconcile(hostID: String) {
        reconcileRequests.request(hostID)
    }

    func setHostReachable(_ hostID: String, _ reachable: Bool) {
        hostHealth.withLock { $0[hostID] = reachable }
    }

    func hostStatus(_ hostID: String) -> String {
        registry.isConnected(hostID) && hostHealth.withLock({ $0[hostID] }) != false ? "ok" : "unreachable"
    }

    /// Machines left running untouched because nothing proves what to do with them.
    public var quarantinedMachines: [String: String] { quarantine.withLock { $0 } }

    /// Creates the `personal` org every installation starts with.
    /// Also loads the known hosts and what their machines reserve (the placement ledger).
    public func bootstrap() async throws {
        try await store.ensureOrg(OrgRecord(slug: "personal", name: "Personal", internalNumericID: 1))
        for host in fixedHosts {
            let saved = try await store.saveHost(Self.record(of: host, at: Date()))
            registry.setCordoned(host.id, saved.cordoned)
        }
        registry.load(try await store.hosts(), reservations: try await store.liveMachineReservations())
    }

    /// The connected host's agent; `unavailable` when the host is not connected.
    func host(id: String) throws -> Host {
        guard let api = registry.api(id), let record = registry.record(id) else {
            throw ControlError(.unavailable, "the machine's host \(id) is not connected to this control plane (its agent is down or cut off); its machines keep their last state until it returns")
        }
        return Host(id: record.id, region: record.region, runtime: record.runtime, api: api)
    }

    /// Placement (`Placement.choose` over the registry's snapshot): a host in the requested
    /// region (or the default one) with room, reserving the machine's share on it.
    func place(machineID: String, app: String, region requested: String?, config: MachineConfig) throws -> Host {
        let region = requested.flatMap { $0.isEmpty ? nil : $0 } ?? configuration.defaultRegion
        let dedicated = config.guest?.cpuKind == "performance" ? config.cpus : 0
        let request = Placement.Request(region: region, memoryMB: config.memoryMB, dedicatedCPUs: dedicated)
        switch registry.place(request, machineID: machineID, appName: app) {
        case .failure(let failure):
            throw ControlError(.unprocessable, failure.message, status: "insufficient_capacity")
        case .success(let record):
            return try host(id: record.id)
        }
    }

    /// The regions that have hosts, sorted by code; `nearest` is the default region.
    public func platformRegions() -> PlatformRegions {
        PlatformRegions(regions: Set(registry.snapshot().map(\.record.region)).sorted().map(PlatformRegion.named), nearest: configuration.defaultRegion)
    }

    // MARK: apps

    public func listApps(orgSlug: String?) async throws -> AppList {
        let slug = orgSlug.flatMap { $0.isEmpty ? nil : $0 } ?? "personal"
        guard let org = try await store.org(slug: slug) else { throw ControlError(.notFound, "organization \"\(slug)\" not found") }
        var apps: [App] = []
        for record in try await store.apps(orgSlug: slug) {
            apps.append(try await view(record, org: org))
        }
        return AppList(apps: apps)
    }

    public func createApp(_ request: CreateAppRequest) async throws -> App {
        guard let name = request.effectiveName, !name.isEmpty else {
            throw ControlError(.badRequest, "app name is required (field \"name\")")
        }
        guard Identifiers.isValidName(name) else {
            throw ControlError(.badRequest, "invalid app name \"\(name)\": use 1-63 lowercase letters, digits and dashes, not starting or ending with a dash")
        }
        let slug = request.orgSlug.flatMap { $0.isEmpty ? nil : $0 } ?? "personal"
        guard let org = try await store.org(slug: slug) else { throw ControlError(.notFound, "organization \"\(slug)\" not found") }
        let record = AppRecord(
            id: Identifiers.appID(), name: name, orgSlug: slug, network: request.network ?? "default",
            internalNumericID: Int64.random(in: 1_000_000...9_999_999), createdAt: Date())
        do {
            try await store.insertApp(record)
        } catch let error as StoreError where error.code == .conflict {
            throw ControlError(.unprocessable, "Name has already been taken", status: "name_taken")
        }
        return try await view(record, org: org)
    }

    public func app(named name: String) async throws -> App {
        let record = try await appRecord(name)
        guard let org = try await store.org(slug: record.orgSlug) else { throw ControlError.appNotFound() }
        return try await view(record, org: org)
    }

    func appRecord(_ name: String) async throws -> AppRecord {
        guard let record = try await store.app(named: name) else { throw ControlError.appNotFound() }
        return record
    }

    public func deleteApp(named name: String, force: Bool) async throws {
        _ = try await appRecord(name)
        let machines = try await store.machines(appName: name, includeDeleted: false)
        if !machines.isEmpty, !force {
            throw ControlError(.conflict, "failed_precondition: app \(name) still has \(machines.count) machine(s); destroy them first or delete the app with force=true")
        }
        for machine in machines {
            try await destroyOnHost(machine, force: true)
            // The app's machines end with it, even before the host reports their destruction.
            try await markDestroyed(machine.id)
        }
        try await store.deleteApp(named: name)
    }

    private func view(_ record: AppRecord, org: OrgRecord) async throws -> App {
        let count = try await store.machineCount(appName: record.name)
        return App(
            id: record.id, name: record.name, status: count > 0 ? "deployed" : "pending", network: record.network,
            internalNumericID: record.internalNumericID, machineCount: count,
            organization: .init(name: org.name, slug: org.slug, internalNumericID: org.internalNumericID),
            createdAt: Timestamps.unixMillis(record.createdAt))
    }
}

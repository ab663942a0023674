import Foundation
import Synchronization
import TarmacAgentProtocol
import TarmacStore

/// The hosts this control plane knows: which are connected now (and through what), their
/// newest registration, and what their live machines reserve (the placement ledger). Hosts
/// given at start-up (`tarmac dev`'s own agent) are connected for good; agents that dial in
/// (`tarmac agent --server`) connect and disconnect as their tunnels come and go. Each
/// connection is a `Session`, which `AgentSync` follows while it lasts.
public final class HostRegistry: Sendable {
    /// One connection of a host.
    public struct Session: Sendable {
        public let hostID: String
        public let number: UInt64
        public let api: any AgentAPI
        /// Finishes when this connection ends (never for a fixed host).
        public let ended: AsyncStream<Never>
    }

    struct Entry {
        var record: HostRecord
        var api: (any AgentAPI)?
        var session: UInt64 = 0
        var end: AsyncStream<Never>.Continuation?
    }

    struct Usage {
        var memoryMB = 0
        var dedicatedCPUs = 0
        var apps: [String: Int] = [:]
    }

    struct State {
        var entries: [String: Entry] = [:]
        var reservations: [String: MachineReservation] = [:]
        var usage: [String: Usage] = [:]
        var nextSession: UInt64 = 1
    }

    private let state = Mutex(State())
    /// New sessions, for `AgentSync`.
    public let sessions: AsyncStream<Session>
    private let sessionQueue: AsyncStream<Session>.Continuation

    init() {
        (sessions, sessionQueue) = AsyncStream.makeStream(of: Session.self)
    }

    /// Hosts known from the store, not connected until their agent dials in.
    func load(_ records: [HostRecord], reservations: [MachineReservation]) {
        state.withLock { state in
            for record in records where state.entries[record.id] == nil { state.entries[record.id] = Entry(record: record) }
            for reservation in reservations { Self.reserve(reservation, in: &state) }
        }
    }

    /// A host's connection is up: the newest one replaces an older one still open.
    @discardableResult
    func connect(_ record: HostRecord, api: any AgentAPI) -> Session {
        let (ended, end) = AsyncStream.makeStream(of: Never.self)
        let (session, previous): (Session, AsyncStream<Never>.Continuation?) = state.withLock { state in
            let number = state.nextSession
            state.nextSession += 1
            let previous = state.entries[record.id]?.end
            state.entries[record.id] = Entry(record: record, api: api, session: number, end: end)
            return (Session(hostID: record.id, number: number, api: api, ended: ended), previous)
        }
        previous?.finish()
        sessionQueue.yield(session)
        return session
    }

    /// The connection `session` ended; a newer one of the same host is left alone.
    func disconnect(hostID: String, session: UInt64) {
        let end: AsyncStream<Never>.Continuation? = state.withLock { state in
            guard state.entries[hostID]?.session == session else { return nil }
            defer {
                state.entries[hostID]?.api = nil
                state.entries[hostID]?.end = nil
            }
            return state.entries[hostID]?.end
        }
        end?.finish()
    }

    func setCordoned(_ hostID: String, _ cordoned: Bool) {
        state.withLock { $0.entries[hostID]?.record.cordoned = cordoned }
    }

    /// The connected host's API, nil when it is not connected.
    func api(_ hostID: String) -> (any AgentAPI)? {
        state.withLock { $0.entries[hostID]?.api }
    }

    func record(_ hostID: String) -> HostRecord? {
        state.withLock { $0.entries[hostID]?.record }
    }

    func isConnected(_ hostID: String) -> Bool {
        state.withLock { $0.entries[hostID]?.api != nil }
    }

    /// Every known host, with whether it is connected.
    func snapshot() -> [(record: HostRecord, connected: Bool)] {
        state.withLock { state in state.entries.values.map { ($0.record, $0.api != nil) }.sorted { $0.record.id < $1.record.id } }
    }

    // MARK: the placement ledger

    /// Chooses a host for `request` and reserves what `reservation` holds on it, in one step,
    /// so concurrent creates never both take the last room.
    func place(_ request: Placement.Request, machineID: String, appName: String) -> Result<HostRecord, Placement.Failure> {
        state.withLock { state in
            let candidates = state.entries.values.map { entry in
                let usage = state.usage[entry.record.id] ?? Usage()
                return Placement.Candidate(
                    hostID: entry.record.id, region: entry.record.region, connected: entry.api != nil, cordoned: entry.record.cordoned,
                    cpus: entry.record.cpus, memoryMB: entry.record.memoryMB, memoryOvercommit: entry.record.memoryOvercommit,
                    reservedMemoryMB: usage.memoryMB, reservedDedicatedCPUs: usage.dedicatedCPUs, appMachines: usage.apps[appName] ?? 0)
            }
            switch Placement.choose(request, among: candidates) {
            case .failure(let failure):
                return .failure(failure)
            case .success(let hostID):
                guard let record = state.entries[hostID]?.record else { return .failure(.requiredHostUnavailable(hostID: hostID)) }
                let reservation = MachineReservation(
                    machineID: machineID, hostID: hostID, appName: appName, memoryMB: request.memoryMB, dedicatedCPUs: request.dedicatedCPUs)
                Self.reserve(reservation, in: &state)
                return .success(record)
            }
        }
    }

    /// Records (or replaces) what a machine reserves.
    func reserve(_ reservation: MachineReservation) {
        state.withLock { Self.reserve(reservation, in: &$0) }
    }

    /// Forgets a machine's reservation (destroyed, or its create refused). Idempotent.
    func release(machineID: String) {
        state.withLock { Self.release(machineID, in: &$0) }
    }

    private static func reserve(_ reservation: MachineReservation, in state: inout State) {
        release(reservation.machineID, in: &state)
        state.reservations[reservation.machineID] = reservation
        var usage = state.usage[reservation.hostID] ?? Usage()
        usage.memoryMB += reservation.memoryMB
        usage.dedicatedCPUs += reservation.dedicatedCPUs
        usage.apps[reservation.appName, default: 0] += 1
        state.usage[reservation.hostID] = usage
    }

    private static func release(_ machineID: String, in state: inout State) {
        guard let old = state.reservations.removeValue(forKey: machineID), var usage = state.usage[old.hostID] else { return }
        usage.memoryMB -= old.memoryMB
        usage.dedicatedCPUs -= old.dedicatedCPUs
        usage.apps[old.appName, default: 1] -= 1
        if usage.apps[old.appName] == 0 { usage.apps[old.appName] = nil }
        state.usage[old.hostID] = usage
    }

    /// Reserved memory and machine count of a host (for the hosts list).
    func usage(_ hostID: String) -> (memoryMB: Int, dedicatedCPUs: Int, machines: Int) {
        state.withLock { state in
            let usage = state.usage[hostID] ?? Usage()
            return (usage.memoryMB, usage.dedicatedCPUs, usage.apps.values.reduce(0, +))
        }
    }
}

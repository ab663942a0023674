import Foundation
import Synchronization
import TarmacAgentProtocol
import TarmacModel

/// A host agent that runs nothing: it takes machines, reports them started and keeps their
/// records, so the control plane's side (tunnel, registration, placement, store, sync) can be
/// measured with a thousand hosts on one machine. Used by `bench/cluster-scale.sh` only.
final class AccountingAgent: AgentAPI {
    struct State {
        var machines: [String: AgentMachineStatus] = [:]
        var updates: [AgentUpdate] = []
        var sequence: Int64 = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    let hostID: String
    let region: String
    private let state = Mutex(State())

    init(hostID: String, region: String) {
        self.hostID = hostID
        self.region = region
    }

    static let imageRef = ImageRef(registry: "bench", repository: "scale", tag: "v1", digest: "sha256:" + String(repeating: "0", count: 64), labels: [:])

    func info() async throws -> AgentInfo { AgentInfo(hostID: hostID, region: region, runtime: "accounting", runtimeReason: "benchmark") }

    func resolveImage(_ reference: String) async throws -> ImageRef { Self.imageRef }

    func apply(_ spec: AgentMachineSpec, launch: Bool) async throws -> AgentMachineStatus {
        var status = AgentMachineStatus(
            machineID: spec.machineID, instanceID: spec.instanceID, state: launch ? .started : .created, privateIP: "172.16.0.1",
            restartCount: 0, runtime: "accounting", spec: spec)
        let existing = state.withLock { $0.machines[spec.machineID] }
        if let existing, existing.instanceID == spec.instanceID { return existing }
        status.spec = spec
        record(status, event: launch ? ("start", "started") : ("launch", "created"))
        return status
    }

    func command(_ machineID: String, _ command: AgentCommand) async throws -> AgentMachineStatus {
        guard var status = state.withLock({ $0.machines[machineID] }) else { throw AgentError(.notFound, "machine \(machineID) not found") }
        switch command {
        case .start: status.state = .started
        case .stop, .suspend: status.state = .stopped
        case .restart, .signal: status.state = .started
        case .destroy: status.state = .destroyed
        }
        record(status, event: (status.state == .destroyed ? "destroy" : "start", status.state.rawValue))
        return status
    }

    func exec(_ machineID: String, _ request: AgentExecRequest) async throws -> AgentExecResult {
        throw AgentError(.unsupported, "the accounting runtime runs nothing")
    }

    func processes(_ machineID: String) async throws -> [ProcessStat] { [] }

    func openConsole(_ machineID: String, _ request: AgentConsoleRequest) async throws -> AgentConsoleSession {
        throw AgentError(.unsupported, "the accounting runtime runs nothing")
    }

    func logs(_ request: AgentLogsRequest) async throws -> AgentLogsResponse { AgentLogsResponse(lines: [], newest: [:]) }

    func machines() async throws -> [AgentMachineStatus] {
        state.withLock { Array($0.machines.values) }
    }

    func updates(after: Int64, timeout: Duration) async throws -> [AgentUpdate] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (ready, seen) = state.withLock { state in (state.updates.filter { $0.sequence > after }, state.sequence) }
            if !ready.isEmpty || ContinuousClock.now >= deadline { return Array(ready.prefix(1000)) }
            await waitForUpdate(after: seen, until: deadline)
        }
    }

    func acknowledge(upTo sequence: Int64) async throws {
        state.withLock { $0.updates.removeAll { $0.sequence <= sequence } }
    }

    private func record(_ status: AgentMachineStatus, event: (String, String)) {
        let now = Date()
        let machineEvent = MachineEvent(id: ULID.make(date: now), type: event.0, status: event.1, source: "flyd", timestamp: Timestamps.unixMillis(now))
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
            state.sequence += 1
            if status.state == .destroyed { state.machines[status.machineID] = nil } else { state.machines[status.machineID] = status }
            var reported = status
            reported.spec = nil
            state.updates.append(AgentUpdate(sequence: state.sequence, status: reported, event: machineEvent))
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once there is an update after `seen`, or at `deadline`, whichever comes first.
    private func waitForUpdate(after seen: Int64, until deadline: ContinuousClock.Instant) async {
        await withTaskGroup(of: Void.self) { group in
            let key = state.withLock { state in
                state.nextWaiter += 1
                return state.nextWaiter
            }
            group.addTask {
                await withCheckedContinuation { continuation in
                    let parked = self.state.withLock { state in
                        guard state.sequence == seen else { return false }
                        state.waiters[key] = continuation
                        return true
                    }
                    if !parked { continuation.resume() }
                }
            }
            group.addTask { try? await Task.sleep(until: deadline) }
            await group.next()
            group.cancelAll()
            // The sleeping child ended: free the parked continuation, if it is still there.
            state.withLock { $0.waiters.removeValue(forKey: key) }?.resume()
        }
    }
}

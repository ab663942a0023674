import Foundation
import Logging
import TarmacAgentProtocol
import TarmacModel
import TarmacStore

extension Control {
    /// An agent dialled in and registered (`tarmac agent --server`): its registration is
    /// stored, and the host is usable through `api` until `hostDisconnected`. Returns the
    /// connection's session number.
    public func hostConnected(_ registration: AgentRegistration, api: any AgentAPI) async throws -> UInt64 {
        let now = Date()
        let record = HostRecord(
            id: registration.hostID, region: registration.region, runtime: registration.runtime, runtimeReason: registration.runtimeReason,
            cpus: registration.capacity.cpus, memoryMB: registration.capacity.memoryMB, diskMB: registration.capacity.diskMB,
            memoryOvercommit: registration.capacity.memoryOvercommit, features: registration.features, agentVersion: registration.agentVersion,
            registeredAt: now, lastConnectedAt: now)
        let saved = try await store.saveHost(record)
        let session = registry.connect(saved, api: wrapped(api))
        logger.info("host connected", metadata: ["host_id": "\(saved.id)", "region": "\(saved.region)", "runtime": "\(saved.runtime)", "session": "\(session.number)"])
        return session.number
    }

    /// The connection `session` of a host ended: its machines show `host_status: unreachable`
    /// and keep their last state; nothing is moved elsewhere.
    public func hostDisconnected(hostID: String, session: UInt64, reason: String) {
        registry.disconnect(hostID: hostID, session: session)
        logger.warning("host disconnected", metadata: ["host_id": "\(hostID)", "session": "\(session)", "reason": "\(reason)"])
    }

    /// Every host this control plane knows, connected or not.
    public func hosts() -> [HostView] {
        registry.snapshot().map { entry in view(entry.record, connected: entry.connected) }
    }

    public func host(named id: String) throws -> HostView {
        guard let entry = registry.snapshot().first(where: { $0.record.id == id }) else {
            throw ControlError(.notFound, "host \(id) not found: tarmac hosts list shows the hosts this control plane knows")
        }
        return view(entry.record, connected: entry.connected)
    }

    /// Cordons (no new machines) or uncordons a host; its machines are not touched.
    public func setHostCordoned(_ id: String, _ cordoned: Bool) async throws -> HostView {
        guard let record = try await store.setHostCordoned(id: id, cordoned) else {
            throw ControlError(.notFound, "host \(id) not found: tarmac hosts list shows the hosts this control plane knows")
        }
        registry.setCordoned(id, cordoned)
        return view(record, connected: registry.isConnected(id))
    }

    func view(_ record: HostRecord, connected: Bool) -> HostView {
        let usage = registry.usage(record.id)
        return HostView(
            id: record.id, region: record.region, status: connected && hostStatus(record.id) == "ok" ? "ok" : "unreachable",
            cordoned: record.cordoned, runtime: record.runtime, cpus: record.cpus, memoryMB: record.memoryMB,
            memoryOvercommit: record.memoryOvercommit, reservedMemoryMB: usage.memoryMB, reservedDedicatedCPUs: usage.dedicatedCPUs,
            machines: usage.machines, agentVersion: record.agentVersion, registeredAt: Timestamps.rfc3339(record.registeredAt),
            lastConnectedAt: Timestamps.rfc3339(record.lastConnectedAt))
    }
}

import Foundation
import Logging
import Synchronization
import TarmacAgentProtocol
import TarmacModel
import TarmacStore

extension Control {
    /// Makes one host agent's machines match the store (see `ReconcilePlan`). Runs on every
    /// agent (re)connect, periodically, and when a delivery to the agent failed.
    @discardableResult
    public func reconcile(hostID: String) async throws -> [ReconcilePlan.Action] {
        let host = try host(id: hostID)
        var logger = self.logger
        logger[metadataKey: "host_id"] = .string(host.id)
        // The inventory first: the store is then never older than what the agent reported.
        let actual = try await host.api.machines()
        let desired = try await store.machines(hostID: host.id)
        let desiredIDs = Set(desired.map(\.id))
        let unknown = actual.filter { !desiredIDs.contains($0.machineID) && $0.state != .destroyed }
        let tombstones = try await store.tombstonedMachineIDs(hostID: host.id, among: unknown.map(\.machineID))
        var apps = Set<String>()
        for status in unknown where !tombstones.contains(status.machineID) {
            if let app = status.spec?.appName, try await store.app(named: app) != nil { apps.insert(app) }
        }
        let actions = ReconcilePlan.actions(actual: actual, desired: desired, tombstones: tombstones, existingApps: apps)
        let records = Dictionary(desired.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        // Every action is tried; the first failure is thrown afterwards so the pass is retried.
        var failure: (any Error)?
        for action in actions {
            do {
                try await perform(action, on: host, records: records, logger: logger)
            } catch {
                logger.warning("reconcile action failed", metadata: ["action": "\(action)", "error": "\(error)"])
                if failure == nil { failure = error }
            }
        }
        if let failure { throw failure }
        return actions
    }

    private func perform(_ action: ReconcilePlan.Action, on host: Host, records: [String: MachineRecord], logger: Logger) async throws {
        switch action {
        case .apply(let id, let launch):
            guard let record = records[id] else { return }
            logger.notice("delivering the desired version to the host", metadata: ["machine_id": "\(id)", "version": "\(record.instanceID)"])
            do {
                let status = try await host.api.apply(spec(for: record), launch: launch)
                try await recordApplied(id, version: record.instanceID, privateIP: status.privateIP)
            } catch let error as AgentError where error.kind != .unavailable && error.kind != .internalError {
                // The host refused this version for good (image gone, invalid): say so in the
                // machine's events instead of retrying forever.
                let event = MachineEvent(id: ULID.make(), type: "launch", status: "failed", source: "tarmac", timestamp: Timestamps.unixMillis(Date()), request: .object(["error": .string(error.message)]))
                try await store.modifyMachine(id: id, newVersion: false, events: [event]) { machine in
                    machine.appliedVersion = machine.instanceID
                    if machine.state == .created { machine.state = .failed }
                }
                waits.notify(machineID: id)
            }
        case .destroy(let id):
            logger.notice("finishing a destroy on the host", metadata: ["machine_id": "\(id)"])
            do {
                _ = try await host.api.command(id, .destroy(force: true))
            } catch let error as AgentError where error.kind == .notFound {
                try await markDestroyed(id)
            }
        case .markApplied(let id, let version):
            try await recordApplied(id, version: version, privateIP: nil)
        case .markDestroyed(let id):
            try await markDestroyed(id)
        case .adopt(let status):
            try await adopt(status, on: host, logger: logger)
        case .quarantine(let id, let reason):
            logger.warning("machine on the host is unknown to the control plane; left running untouched", metadata: ["machine_id": "\(id)", "reason": "\(reason)"])
            quarantine.withLock { $0[id] = reason }
        }
    }

    @discardableResult
    func recordApplied(_ id: String, version: String, privateIP: String?) async throws -> MachineRecord {
        let record = try await store.modifyMachine(id: id, newVersion: false, events: []) { machine in
            guard machine.instanceID == version else { return }
            machine.appliedVersion = version
            if let privateIP, machine.privateIP.isEmpty { machine.privateIP = privateIP }
        }
        waits.notify(machineID: id)
        return record
    }

    /// Takes a machine the host runs, but the store does not know, into the store.
    private func adopt(_ status: AgentMachineStatus, on host: Host, logger: Logger) async throws {
        guard let spec = status.spec else { return }
        let now = Date()
        var record = MachineRecord(
            id: spec.machineID, appName: spec.appName, name: spec.name, region: spec.region, hostID: host.id,
            instanceID: spec.instanceID, state: status.state, privateIP: status.privateIP, config: spec.config,
            imageRef: spec.imageRef, createdAt: now, runtime: status.runtime)
        record.appliedVersion = spec.instanceID
        record.restartCount = status.restartCount
        let event = MachineEvent(
            id: ULID.make(date: now), type: "adopted", status: status.state.rawValue, source: "tarmac", timestamp: Timestamps.unixMillis(now),
            request: .object(["reason": .string("the host runs this machine and the control plane had no record of it")]))
        do {
            try await store.insertMachine(record, events: [event])
        } catch let error as StoreError where error.code == .conflict {
            // Its name is taken by another live machine: adopt it under its ID.
            record.name = spec.name + "-" + spec.machineID.prefix(6).lowercased()
            try await store.insertMachine(record, events: [event])
        }
        registry.reserve(MachineReservation(record))
        logger.notice("adopted a machine the control plane had no record of", metadata: ["machine_id": "\(spec.machineID)", "app": "\(spec.appName)"])
        waits.notify(machineID: spec.machineID)
    }
}

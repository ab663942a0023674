import Foundation
import Logging
import ServiceLifecycle
import TarmacAgentProtocol
import TarmacModel
import TarmacStore

/// Keeps the control plane's view in step with each host agent: reconciles desired and
/// actual machines when it connects, then long-polls the agent's durable update outbox,
/// applies updates to the store (exactly once, by cursor) and wakes `wait`ers.
public struct AgentSync: Service {
    let control: Control

    public init(control: Control) { self.control = control }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for host in control.hosts {
                    group.addTask { await follow(host) }
                }
            }
        }
    }

    private func follow(_ host: Control.Host) async {
        var logger = control.logger
        logger[metadataKey: "host_id"] = .string(host.id)
        var reconciled = false
        while !Task.isCancelled {
            do {
                if !reconciled {
                    try await reconcile(host, logger: logger)
                    reconciled = true
                }
                let cursor = try await control.store.agentCursor(hostID: host.id)
                let updates = try await host.api.updates(after: cursor, timeout: .seconds(25))
                guard let last = updates.last?.sequence else { continue }
                let changes = updates.map { update in
                    MachineStateChange(
                        machineID: update.status.machineID, instanceID: update.status.instanceID, state: update.status.state,
                        privateIP: update.status.privateIP, restartCount: update.status.restartCount, runtime: update.status.runtime,
                        event: update.event)
                }
                let records = try await control.store.applyAgentChanges(hostID: host.id, changes: changes, cursor: last)
                for record in records { control.waits.notify(machineID: record.id) }
                try await host.api.acknowledge(upTo: last)
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("agent sync failed, retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Makes the agent's machines match the store: pushes machines the agent lost (a crash
    /// between the store write and the agent call), destroys machines the store doesn't know.
    private func reconcile(_ host: Control.Host, logger: Logger) async throws {
        let actual = try await host.api.machines()
        let desired = try await control.store.machines(hostID: host.id)
        let actualIDs = Set(actual.map(\.machineID))
        let desiredIDs = Set(desired.map(\.id))
        for record in desired where !actualIDs.contains(record.id) && record.destroyedAt == nil {
            logger.notice("re-sending machine the agent does not know", metadata: ["machine_id": "\(record.id)"])
            do {
                _ = try await host.api.apply(control.spec(for: record), launch: false)
            } catch let error as AgentError where error.kind == .imageNotFound {
                logger.warning("cannot re-send machine: image missing", metadata: ["machine_id": "\(record.id)"])
            }
        }
        for status in actual where !desiredIDs.contains(status.machineID) && status.state != .destroyed {
            logger.notice("destroying machine unknown to the control plane", metadata: ["machine_id": "\(status.machineID)"])
            _ = try? await host.api.command(status.machineID, .destroy(force: true))
        }
    }
}

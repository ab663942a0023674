import Foundation
import Logging
import ServiceLifecycle
import TarmacAgentProtocol
import TarmacModel
import TarmacStore

/// Keeps the control plane's view in step with each host agent. Per connection of a host
/// (a `HostRegistry.Session`, for as long as it lasts), three loops:
/// - the follower long-polls the agent's durable update outbox, applies updates to the
///   store (exactly once, by cursor) and wakes `wait`ers;
/// - the reconciler makes the agent's machines match the store (`Control.reconcile`) when
///   the agent (re)connects, every `reconcileInterval`, and whenever a delivery failed or
///   the agent reported a machine the store does not know.
public struct AgentSync: Service {
    let control: Control
    let clock: any Clock<Duration>

    public init(control: Control, clock: any Clock<Duration> = ContinuousClock()) {
        self.control = control
        self.clock = clock
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for await session in control.registry.sessions {
                    group.addTask { await serve(session) }
                }
            }
        }
    }

    /// Follows and reconciles one connection of a host until it ends.
    private func serve(_ session: HostRegistry.Session) async {
        guard let record = control.registry.record(session.hostID) else { return }
        let host = Control.Host(id: record.id, region: record.region, runtime: record.runtime, api: session.api)
        let requests = control.reconcileRequests.subscribe(host.id)
        // A new connection is up: the host is reachable until an exchange says otherwise.
        control.setHostReachable(host.id, true)
        await withDiscardingTaskGroup { group in
            group.addTask { await follow(host) }
            group.addTask { await reconcileLoop(host, requests: requests) }
            group.addTask { await tick(host) }
            for await _ in session.ended {}
            group.cancelAll()
        }
        control.setHostReachable(host.id, false)
    }

    private func logger(_ host: Control.Host) -> Logger {
        var logger = control.logger
        logger[metadataKey: "host_id"] = .string(host.id)
        return logger
    }

    private func follow(_ host: Control.Host) async {
        let logger = logger(host)
        var connected = false
        while !Task.isCancelled {
            do {
                let cursor = try await control.store.agentCursor(hostID: host.id)
                let updates = try await host.api.updates(after: cursor, timeout: .seconds(25))
                if !connected {
                    // A (re)connect: the agent may have changed while we could not see it.
                    connected = true
                    control.setHostReachable(host.id, true)
                    control.requestReconcile(hostID: host.id)
                }
                guard let last = updates.last?.sequence else { continue }
                let changes = updates.map { update in
                    MachineStateChange(
                        machineID: update.status.machineID, instanceID: update.status.instanceID, state: update.status.state,
                        privateIP: update.status.privateIP, restartCount: update.status.restartCount, runtime: update.status.runtime,
                        event: update.event, checks: update.status.checks)
                }
                let outcome = try await control.store.applyAgentChanges(hostID: host.id, changes: changes, cursor: last)
                for record in outcome.records {
                    if record.state == .destroyed { control.registry.release(machineID: record.id) }
                    control.waits.notify(machineID: record.id)
                }
                if !outcome.unknownMachineIDs.isEmpty {
                    logger.notice("agent reported machines the store has no record of; reconciling", metadata: ["machine_ids": "\(outcome.unknownMachineIDs)"])
                    control.requestReconcile(hostID: host.id)
                }
                try await host.api.acknowledge(upTo: last)
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                if connected { logger.warning("lost the agent's update stream, reconnecting", metadata: ["error": "\(error)"]) }
                connected = false
                control.setHostReachable(host.id, false)
                try? await clock.sleep(for: .seconds(1))
            }
        }
    }

    private func reconcileLoop(_ host: Control.Host, requests: AsyncStream<Void>) async {
        let logger = logger(host)
        for await _ in requests {
            do {
                let actions = try await control.reconcile(hostID: host.id)
                if !actions.isEmpty { logger.info("reconciled host", metadata: ["actions": "\(actions.count)"]) }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("reconciliation failed, retrying", metadata: ["error": "\(error)"])
                guard (try? await clock.sleep(for: .seconds(1))) != nil else { return }
                control.requestReconcile(hostID: host.id)
            }
        }
    }

    /// Periodic reconciliation, whether or not anything asked for it.
    private func tick(_ host: Control.Host) async {
        while (try? await clock.sleep(for: control.configuration.reconcileInterval)) != nil {
            control.requestReconcile(hostID: host.id)
        }
    }
}

import TarmacAgentProtocol
import TarmacModel
import TarmacStore

/// Reconciliation as a pure function: what the control plane's desired machines and a host
/// agent's actual machines disagree on, and what to do about each difference. The agent is
/// the source of truth for what runs on it, the store for what should; a machine is only
/// ever destroyed on a host with a tombstone proving the user destroyed it.
public enum ReconcilePlan {
    public enum Action: Sendable, Hashable {
        /// Deliver the desired version (a create or update whose agent call was lost).
        case apply(machineID: String, launch: Bool)
        /// Finish a destroy the user asked for (or that a tombstone proves).
        case destroy(machineID: String)
        /// The agent already has the desired version: record that it was delivered.
        case markApplied(machineID: String, version: String)
        /// The user destroyed it and the host no longer has it: the destroy is complete.
        case markDestroyed(machineID: String)
        /// Running on the host, unknown to the store, its app exists: take it into the store.
        case adopt(AgentMachineStatus)
        /// Running on the host, unknown to the store, no app to adopt it into: leave it
        /// alone (never destroy on a guess) and say so.
        case quarantine(machineID: String, reason: String)
    }

    /// - Parameters:
    ///   - actual: the agent's inventory, read *before* `desired` so the store is never older
    ///     than what the agent reported (an update landing in between is not rolled back).
    ///   - desired: the store's live machines on this host.
    ///   - tombstones: IDs among the agent's machines that the store has as destroyed.
    ///   - existingApps: apps that exist, among those of machines unknown to the store.
    public static func actions(
        actual: [AgentMachineStatus], desired: [MachineRecord], tombstones: Set<String>, existingApps: Set<String>
    ) -> [Action] {
        var actions: [Action] = []
        let onHost = Dictionary(actual.map { ($0.machineID, $0) }, uniquingKeysWith: { first, _ in first })
        let desiredIDs = Set(desired.map(\.id))
        for record in desired.sorted(by: { $0.id < $1.id }) {
            let status = onHost[record.id].flatMap { $0.state == .destroyed ? nil : $0 }
            if record.destroyRequestedAt != nil {
                actions.append(status == nil ? .markDestroyed(machineID: record.id) : .destroy(machineID: record.id))
                continue
            }
            guard let status else {
                // Never delivered: deliver it as asked. Delivered once but lost by the host:
                // put it back without starting it behind the user's back.
                let launch = record.appliedVersion == nil ? (record.desiredLaunch ?? true) : false
                actions.append(.apply(machineID: record.id, launch: launch))
                continue
            }
            if status.instanceID != record.instanceID {
                actions.append(.apply(machineID: record.id, launch: record.desiredLaunch ?? true))
            } else if record.appliedVersion != record.instanceID {
                actions.append(.markApplied(machineID: record.id, version: record.instanceID))
            }
        }
        for status in actual.sorted(by: { $0.machineID < $1.machineID }) where !desiredIDs.contains(status.machineID) && status.state != .destroyed {
            if tombstones.contains(status.machineID) {
                actions.append(.destroy(machineID: status.machineID))
            } else if let app = status.spec?.appName, existingApps.contains(app) {
                actions.append(.adopt(status))
            } else {
                let reason = status.spec.map { "its app \"\($0.appName)\" does not exist" } ?? "the host did not say which app it belongs to"
                actions.append(.quarantine(machineID: status.machineID, reason: reason))
            }
        }
        return actions
    }
}

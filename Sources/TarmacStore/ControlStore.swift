import Foundation
import TarmacModel

/// Persistence of the control plane. SQLite (embedded, default) implements it now;
/// PostgreSQL (several API replicas) later. Every method returns after the write is durable.
public protocol ControlStore: Sendable {
    func ensureOrg(_ org: OrgRecord) async throws
    func org(slug: String) async throws -> OrgRecord?

    /// Throws `StoreError.conflict` when the name is taken.
    func insertApp(_ app: AppRecord) async throws
    func app(named name: String) async throws -> AppRecord?
    func apps(orgSlug: String) async throws -> [AppRecord]
    func deleteApp(named name: String) async throws

    /// Inserts a machine and its first version; throws `StoreError.conflict` (with the
    /// existing machine's ID) when a live machine of the app already has that name.
    func insertMachine(_ machine: MachineRecord, events: [MachineEvent]) async throws
    func machine(id: String) async throws -> MachineRecord?
    /// A machine of `app` with its newest `eventLimit` events (none when 0), in one read
    /// transaction: what `GET /v1/apps/{app}/machines/{id}` shows.
    func machine(app: String, id: String, eventLimit: Int) async throws -> MachineLookup
    func machines(appName: String, includeDeleted: Bool) async throws -> [MachineRecord]
    func machines(orgSlug: String, includeDeleted: Bool) async throws -> [MachineRecord]
    func machineCount(appName: String) async throws -> Int
    /// Every live machine placed on a host (including those whose destroy is still to be
    /// delivered), for reconciliation with its agent.
    func machines(hostID: String) async throws -> [MachineRecord]
    /// Which of `ids` are destroyed machines of the host (tombstones).
    func tombstonedMachineIDs(hostID: String, among ids: [String]) async throws -> Set<String>
    /// Writes the machine (and a new version entry when `newVersion`), appending `events`.
    func updateMachine(_ machine: MachineRecord, newVersion: Bool, events: [MachineEvent]) async throws
    /// Reads, changes and writes one machine in a single transaction, so concurrent writers
    /// (API calls and agent updates) never lose each other's changes. Returns the new record.
    @discardableResult
    func modifyMachine(id: String, newVersion: Bool, events: [MachineEvent], _ change: @escaping @Sendable (inout MachineRecord) throws -> Void) async throws -> MachineRecord
    /// Undoes a version whose rollout the agent refused: deletes its version entry and event.
    func discardVersion(machineID: String, version: String, eventID: String) async throws
    /// Removes every trace of a machine (used to roll back a create the agent refused).
    func purgeMachine(id: String) async throws

    func events(machineID: String, limit: Int) async throws -> [MachineEvent]
    /// Events of the app's machines with a sequence above `after`, oldest first, at most `limit`.
    func appEvents(appName: String, after: Int64, limit: Int) async throws -> [AppEvent]
    /// The newest `limit` events of the app's machines, oldest first.
    func recentAppEvents(appName: String, limit: Int) async throws -> [AppEvent]
    /// The sequence of the newest event in the store (0 when there is none).
    func lastEventSequence() async throws -> Int64
    func versions(machineID: String) async throws -> [MachineVersion]

    /// Applies agent-reported changes and advances that host's cursor in one transaction.
    /// Returns the records after the change and the IDs of machines the store has no record
    /// of (for reconciliation to adopt or quarantine, never to drop silently).
    func applyAgentChanges(hostID: String, changes: [MachineStateChange], cursor: Int64) async throws -> AgentChangesOutcome
    func agentCursor(hostID: String) async throws -> Int64

    /// Records a host's registration (keeping its cordon and first registration time);
    /// returns the stored record.
    func saveHost(_ host: HostRecord) async throws -> HostRecord
    func hosts() async throws -> [HostRecord]
    /// Cordons or uncordons a host; nil when the store has never heard of it.
    func setHostCordoned(id: String, _ cordoned: Bool) async throws -> HostRecord?
    /// What every live machine reserves of its host, for the placement ledger.
    func liveMachineReservations() async throws -> [MachineReservation]

    /// Stores a new webhook; its cursor starts at the newest event (it delivers what comes next).
    func insertWebhook(_ record: WebhookRecord) async throws -> WebhookRecord
    /// The webhooks of an app, or of every app when `appName` is nil.
    func webhooks(appName: String?) async throws -> [WebhookRecord]
    func webhook(id: String) async throws -> WebhookRecord?
    /// Removes a webhook and its delivery log; false when there was none.
    func deleteWebhook(id: String) async throws -> Bool
    /// Turns a webhook back on (failures reset, disabled reason cleared); nil when there is none.
    func enableWebhook(id: String) async throws -> WebhookRecord?
    /// Moves a webhook's cursor past events it does not deliver (never backwards).
    func saveWebhookCursor(id: String, cursor: Int64) async throws
    /// Writes one delivery attempt (see `WebhookAttempt`); false when the webhook is gone.
    func recordWebhookAttempt(_ attempt: WebhookAttempt) async throws -> Bool
    /// A webhook's newest `limit` delivery attempts, newest first.
    func webhookDeliveries(webhookID: String, limit: Int) async throws -> [WebhookDelivery]
}

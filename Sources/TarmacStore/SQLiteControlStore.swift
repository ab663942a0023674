import Foundation
import GRDB
import TarmacModel

/// The embedded control-plane store: SQLite in WAL mode with `synchronous=FULL`, so every
/// acknowledged write survives a crash or power loss.
public final class SQLiteControlStore: ControlStore {
    let pool: DatabasePool
    /// Every write goes through it: concurrent writes share a transaction (one fsync).
    let commits: GroupCommit
    let encoder = JSONEncoder()
    let decoder = JSONDecoder()

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        commits = GroupCommit(pool: pool)
        // GRDB sets `synchronous = NORMAL` on the writer when it enables WAL (after any
        // prepareDatabase hook), which does not fsync commits. Every acknowledged write must
        // survive a power loss, so the one writer connection is switched to FULL here.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "orgs") { t in
                t.primaryKey("slug", .text)
                t.column("document", .text).notNull()
            }
            try db.create(table: "apps") { t in
                t.primaryKey("name", .text)
                t.column("org_slug", .text).notNull().indexed()
                t.column("document", .text).notNull()
            }
            try db.create(table: "machines") { t in
                t.primaryKey("id", .text)
                t.column("app_name", .text).notNull().indexed()
                t.column("org_slug", .text).notNull().indexed()
                t.column("host_id", .text).notNull().indexed()
                t.column("name", .text).notNull()
                t.column("live", .boolean).notNull()
                t.column("document", .text).notNull()
            }
            try db.create(index: "machines_live_name", on: "machines", columns: ["app_name", "name"], unique: true, condition: Column("live") == true)
            try db.create(table: "machine_events") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("machine_id", .text).notNull().indexed()
                t.column("document", .text).notNull()
            }
            try db.create(table: "machine_versions") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("machine_id", .text).notNull().indexed()
                t.column("document", .text).notNull()
            }
            try db.create(table: "agent_cursors") { t in
                t.primaryKey("host_id", .text)
                t.column("cursor", .integer).notNull()
            }
        }
        // Webhooks, their delivery log, and app-level events (a webhook disabled) on the feed.
        migrator.registerMigration("v2-webhooks") { db in
            try db.create(table: "webhooks") { t in
                t.primaryKey("id", .text)
                t.column("app_name", .text).notNull().indexed()
                t.column("document", .text).notNull()
            }
            try db.create(table: "webhook_deliveries") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("webhook_id", .text).notNull().indexed()
                t.column("document", .text).notNull()
            }
            try db.alter(table: "machine_events") { t in t.add(column: "app_name", .text) }
        }
        registerHostMigration(&migrator)
        return migrator
    }

    /// The writer connection's `PRAGMA synchronous` (2 = FULL), for durability checks.
    public func synchronousMode() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    // MARK: orgs and apps

    public func ensureOrg(_ org: OrgRecord) async throws {
        let document = try encode(org)
        try await commits.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO orgs (slug, document) VALUES (?, ?)", arguments: [org.slug, document])
        }
    }

    public func org(slug: String) async throws -> OrgRecord? {
        let text = try await pool.read { db in try String.fetchOne(db, sql: "SELECT document FROM orgs WHERE slug = ?", arguments: [slug]) }
        return try text.map { try decode(OrgRecord.self, $0) }
    }

    public func insertApp(_ app: AppRecord) async throws {
        let document = try encode(app)
        try await commits.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM apps WHERE name = ?", arguments: [app.name]) == true {
                throw StoreError(.conflict, "app name \"\(app.name)\" is taken")
            }
            try db.execute(sql: "INSERT INTO apps (name, org_slug, document) VALUES (?, ?, ?)", arguments: [app.name, app.orgSlug, document])
        }
    }

    public func app(named name: String) async throws -> AppRecord? {
        let text = try await pool.read { db in try String.fetchOne(db, sql: "SELECT document FROM apps WHERE name = ?", arguments: [name]) }
        return try text.map { try decode(AppRecord.self, $0) }
    }

    public func apps(orgSlug: String) async throws -> [AppRecord] {
        let texts = try await pool.read { db in try String.fetchAll(db, sql: "SELECT document FROM apps WHERE org_slug = ? ORDER BY name", arguments: [orgSlug]) }
        return try texts.map { try decode(AppRecord.self, $0) }
    }

    public func deleteApp(named name: String) async throws {
        try await commits.write { db in
            try db.execute(sql: "DELETE FROM apps WHERE name = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM webhook_deliveries WHERE webhook_id IN (SELECT id FROM webhooks WHERE app_name = ?)", arguments: [name])
            try db.execute(sql: "DELETE FROM webhooks WHERE app_name = ?", arguments: [name])
        }
    }

    // MARK: machines

    public func insertMachine(_ machine: MachineRecord, events: [MachineEvent]) async throws {
        let document = try encode(machine)
        let version = try encode(MachineVersion(version: machine.instanceID, userConfig: machine.config))
        let eventDocuments = try events.map { try encode($0) }
        let orgSlug = try await app(named: machine.appName)?.orgSlug ?? "personal"
        try await commits.write { db in
            if let existing = try String.fetchOne(db, sql: "SELECT id FROM machines WHERE app_name = ? AND name = ? AND live = 1", arguments: [machine.appName, machine.name]) {
                throw StoreError(.conflict, "already_exists: unique machine name violation, machine ID \(existing) already exists with name \"\(machine.name)\"", existingID: existing)
            }
            try db.execute(
                sql: "INSERT INTO machines (id, app_name, org_slug, host_id, name, live, document) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [machine.id, machine.appName, orgSlug, machine.hostID, machine.name, machine.destroyedAt == nil, document])
            try db.execute(sql: "INSERT INTO machine_versions (machine_id, document) VALUES (?, ?)", arguments: [machine.id, version])
            for event in eventDocuments {
                try db.execute(sql: "INSERT INTO machine_events (machine_id, document) VALUES (?, ?)", arguments: [machine.id, event])
            }
        }
    }

    public func machine(id: String) async throws -> MachineRecord? {
        let text = try await pool.read { db in try String.fetchOne(db, sql: "SELECT document FROM machines WHERE id = ?", arguments: [id]) }
        return try text.map { try decode(MachineRecord.self, $0) }
    }

    public func machine(app: String, id: String, eventLimit: Int) async throws -> MachineLookup {
        try await pool.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM apps WHERE name = ?", arguments: [app]) != nil else { return .appNotFound }
            guard let text = try String.fetchOne(db, sql: "SELECT document FROM machines WHERE id = ? AND app_name = ?", arguments: [id, app]) else {
                return .machineNotFound
            }
            let events = eventLimit > 0 ? try String.fetchAll(
                db, sql: "SELECT document FROM machine_events WHERE machine_id = ? ORDER BY seq DESC LIMIT ?", arguments: [id, eventLimit]) : []
            return .found(try self.decode(MachineRecord.self, text), events: try events.map { try self.decode(MachineEvent.self, $0) })
        }
    }

    public func machines(appName: String, includeDeleted: Bool) async throws -> [MachineRecord] {
        let sql = "SELECT document FROM machines WHERE app_name = ?" + (includeDeleted ? "" : " AND live") + " ORDER BY rowid"
        let texts = try await pool.read { db in try String.fetchAll(db, sql: sql, arguments: [appName]) }
        return try texts.map { try decode(MachineRecord.self, $0) }
    }

    public func machines(orgSlug: String, includeDeleted: Bool) async throws -> [MachineRecord] {
        let sql = "SELECT document FROM machines WHERE org_slug = ?" + (includeDeleted ? "" : " AND live") + " ORDER BY id"
        let texts = try await pool.read { db in try String.fetchAll(db, sql: sql, arguments: [orgSlug]) }
        return try texts.map { try decode(MachineRecord.self, $0) }
    }

    public func machineCount(appName: String) async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM machines WHERE app_name = ? AND live", arguments: [appName]) ?? 0 }
    }

    public func tombstonedMachineIDs(hostID: String, among ids: [String]) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
        let found = try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM machines WHERE host_id = ? AND NOT live AND id IN (\(placeholders))", arguments: StatementArguments([hostID] + ids))
        }
        return Set(found)
    }

    public func machines(hostID: String) async throws -> [MachineRecord] {
        let texts = try await pool.read { db in try String.fetchAll(db, sql: "SELECT document FROM machines WHERE host_id = ? AND live", arguments: [hostID]) }
        return try texts.map { try decode(MachineRecord.self, $0) }
    }

    public func updateMachine(_ machine: MachineRecord, newVersion: Bool, events: [MachineEvent]) async throws {
        let document = try encode(machine)
        let version = newVersion ? try encode(MachineVersion(version: machine.instanceID, userConfig: machine.config)) : nil
        let eventDocuments = try events.map { try encode($0) }
        try await commits.write { db in
            try db.execute(sql: "UPDATE machines SET document = ?, live = ? WHERE id = ?", arguments: [document, machine.destroyedAt == nil, machine.id])
            if let version {
                try db.execute(sql: "INSERT INTO machine_versions (machine_id, document) VALUES (?, ?)", arguments: [machine.id, version])
            }
            for event in eventDocuments {
                try db.execute(sql: "INSERT INTO machine_events (machine_id, document) VALUES (?, ?)", arguments: [machine.id, event])
            }
        }
    }

    public func modifyMachine(id: String, newVersion: Bool, events: [MachineEvent], _ change: @escaping @Sendable (inout MachineRecord) throws -> Void) async throws -> MachineRecord {
        let encoder = self.encoder
        let decoder = self.decoder
        return try await commits.write { db in
            guard let text = try String.fetchOne(db, sql: "SELECT document FROM machines WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "machine not found")
            }
            var machine = try decoder.decode(MachineRecord.self, from: Data(text.utf8))
            try change(&machine)
            let document = String(decoding: try encoder.encode(machine), as: UTF8.self)
            try db.execute(sql: "UPDATE machines SET document = ?, live = ? WHERE id = ?", arguments: [document, machine.destroyedAt == nil, id])
            if newVersion {
                let version = String(decoding: try encoder.encode(MachineVersion(version: machine.instanceID, userConfig: machine.config)), as: UTF8.self)
                try db.execute(sql: "INSERT INTO machine_versions (machine_id, document) VALUES (?, ?)", arguments: [id, version])
            }
            for event in events {
                let eventText = String(decoding: try encoder.encode(event), as: UTF8.self)
                try db.execute(sql: "INSERT INTO machine_events (machine_id, document) VALUES (?, ?)", arguments: [id, eventText])
            }
            return machine
        }
    }

    public func discardVersion(machineID: String, version: String, eventID: String) async throws {
        try await commits.write { db in
            try db.execute(sql: "DELETE FROM machine_versions WHERE machine_id = ? AND json_extract(document, '$.version') = ?", arguments: [machineID, version])
            try db.execute(sql: "DELETE FROM machine_events WHERE machine_id = ? AND json_extract(document, '$.id') = ?", arguments: [machineID, eventID])
        }
    }

    public func purgeMachine(id: String) async throws {
        try await commits.write { db in
            try db.execute(sql: "DELETE FROM machines WHERE id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM machine_events WHERE machine_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM machine_versions WHERE machine_id = ?", arguments: [id])
        }
    }

    public func events(machineID: String, limit: Int) async throws -> [MachineEvent] {
        let texts = try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT document FROM machine_events WHERE machine_id = ? ORDER BY seq DESC LIMIT ?", arguments: [machineID, limit])
        }
        return try texts.map { try decode(MachineEvent.self, $0) }
    }

    public func appEvents(appName: String, after: Int64, limit: Int) async throws -> [AppEvent] {
        try await pool.read { db in
            try self.appEvents(Row.fetchAll(db, sql: """
                SELECT e.seq, e.machine_id, e.document FROM machine_events e LEFT JOIN machines m ON m.id = e.machine_id
                WHERE (m.app_name = ? OR e.app_name = ?) AND e.seq > ? ORDER BY e.seq LIMIT ?
                """, arguments: [appName, appName, after, limit]))
        }
    }

    public func recentAppEvents(appName: String, limit: Int) async throws -> [AppEvent] {
        try await pool.read { db in
            try self.appEvents(Row.fetchAll(db, sql: """
                SELECT e.seq, e.machine_id, e.document FROM machine_events e LEFT JOIN machines m ON m.id = e.machine_id
                WHERE m.app_name = ? OR e.app_name = ? ORDER BY e.seq DESC LIMIT ?
                """, arguments: [appName, appName, limit]).reversed())
        }
    }

    /// Rows of `seq, machine_id, document` as app events.
    private func appEvents(_ rows: some Sequence<Row>) throws -> [AppEvent] {
        try rows.map { row in AppEvent(sequence: row[0], machineID: row[1], event: try decode(MachineEvent.self, row[2])) }
    }

    public func lastEventSequence() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM machine_events") ?? 0 }
    }

    public func versions(machineID: String) async throws -> [MachineVersion] {
        let texts = try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT document FROM machine_versions WHERE machine_id = ? ORDER BY seq DESC", arguments: [machineID])
        }
        return try texts.map { try decode(MachineVersion.self, $0) }
    }

    // MARK: agent updates

    public func applyAgentChanges(hostID: String, changes: [MachineStateChange], cursor: Int64) async throws -> AgentChangesOutcome {
        let encoder = self.encoder
        let decoder = self.decoder
        return try await commits.write { db in
            var updated: [MachineRecord] = []
            var unknown: [String] = []
            for change in changes {
                guard let text = try String.fetchOne(db, sql: "SELECT document FROM machines WHERE id = ?", arguments: [change.machineID]) else {
                    if !unknown.contains(change.machineID) { unknown.append(change.machineID) }
                    continue
                }
                var machine = try decoder.decode(MachineRecord.self, from: Data(text.utf8))
                // A report about the desired version proves the agent has it.
                if change.instanceID == machine.instanceID { machine.appliedVersion = change.instanceID }
                // Reports about an older instance only add their event; the state belongs to the current one.
                if change.instanceID == machine.instanceID || change.state == .destroyed {
                    machine.state = change.state
                    machine.privateIP = change.privateIP
                    machine.restartCount = change.restartCount
                    machine.runtime = change.runtime
                    machine.checks = change.checks
                    if change.state == .destroyed, machine.destroyedAt == nil { machine.destroyedAt = Date() }
                }
                machine.updatedAt = Date()
                let document = String(decoding: try encoder.encode(machine), as: UTF8.self)
                try db.execute(sql: "UPDATE machines SET document = ?, live = ? WHERE id = ?", arguments: [document, machine.destroyedAt == nil, machine.id])
                if let event = change.event {
                    let eventText = String(decoding: try encoder.encode(event), as: UTF8.self)
                    try db.execute(sql: "INSERT INTO machine_events (machine_id, document) VALUES (?, ?)", arguments: [machine.id, eventText])
                }
                updated.append(machine)
            }
            try db.execute(
                sql: "INSERT INTO agent_cursors (host_id, cursor) VALUES (?, ?) ON CONFLICT(host_id) DO UPDATE SET cursor = excluded.cursor",
                arguments: [hostID, cursor])
            return AgentChangesOutcome(records: updated, unknownMachineIDs: unknown)
        }
    }

    public func agentCursor(hostID: String) async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT cursor FROM agent_cursors WHERE host_id = ?", arguments: [hostID]) ?? 0 }
    }

    // MARK: coding

    func encode(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try decoder.decode(type, from: Data(text.utf8))
    }
}

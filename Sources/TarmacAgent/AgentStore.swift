import Foundation
import GRDB
import TarmacAgentProtocol
import TarmacModel

/// The agent's own durable store (SQLite, separate from the control plane's): machine
/// records and the outbox of state updates not yet acknowledged by the control plane.
public final class AgentStore: Sendable {
    private let pool: DatabasePool

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB switches the writer to `synchronous = NORMAL` with WAL; commits must be fsynced.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "machines") { t in
                t.primaryKey("id", .text)
                t.column("document", .text).notNull()
            }
            try db.create(table: "updates") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("document", .text).notNull()
            }
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
        }
        // Tombstones: machines destroyed on this host. A late or retried apply for one of them
        // (its reply was lost, the control plane restarted) must not bring it back.
        migrator.registerMigration("v2-tombstones") { db in
            try db.create(table: "tombstones") { t in
                t.primaryKey("id", .text)
                t.column("destroyed_at", .double).notNull()
            }
        }
        try migrator.migrate(pool)
    }

    /// Whether the machine was destroyed on this host.
    public func isTombstoned(_ id: String) throws -> Bool {
        try pool.read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM tombstones WHERE id = ?", arguments: [id]) ?? false }
    }

    /// The writer connection's `PRAGMA synchronous` (2 = FULL), for durability checks.
    public func synchronousMode() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// The host's stable identity, created on first use.
    public func hostID() throws -> String {
        try pool.write { db in
            if let existing = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'host_id'") { return existing }
            let id = "host-" + String(Identifiers.machineID().prefix(8))
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('host_id', ?)", arguments: [id])
            return id
        }
    }

    public func allMachines() throws -> [AgentMachineRecord] {
        let decoder = JSONDecoder()
        return try pool.read { db in
            try String.fetchAll(db, sql: "SELECT document FROM machines ORDER BY rowid").map { try decoder.decode(AgentMachineRecord.self, from: Data($0.utf8)) }
        }
    }

    /// The stored record of one machine, or nil when the agent does not know it.
    public func machine(id: String) throws -> AgentMachineRecord? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT document FROM machines WHERE id = ?", arguments: [id])
                .map { try JSONDecoder().decode(AgentMachineRecord.self, from: Data($0.utf8)) }
        }
    }

    /// Writes the record (or deletes it when `forget`) and appends an update to the outbox
    /// in one transaction. Returns the update's sequence number.
    @discardableResult
    public func save(_ record: AgentMachineRecord, forget: Bool = false, event: MachineEvent?) async throws -> Int64 {
        let encoder = JSONEncoder()
        let document = String(decoding: try encoder.encode(record), as: UTF8.self)
        return try await pool.write { db in
            if forget {
                try db.execute(sql: "DELETE FROM machines WHERE id = ?", arguments: [record.id])
                try db.execute(
                    sql: "INSERT INTO tombstones (id, destroyed_at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING",
                    arguments: [record.id, Date().timeIntervalSince1970])
            } else {
                try db.execute(sql: "INSERT INTO machines (id, document) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET document = excluded.document", arguments: [record.id, document])
            }
            let next = (try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) + 1 FROM updates") ?? 1)
            let update = AgentUpdate(sequence: next, status: record.status, event: event)
            let text = String(decoding: try encoder.encode(update), as: UTF8.self)
            try db.execute(sql: "INSERT INTO updates (seq, document) VALUES (?, ?)", arguments: [next, text])
            return next
        }
    }

    /// Writes the record without publishing an update (runtime handle bookkeeping).
    public func saveQuietly(_ record: AgentMachineRecord) async throws {
        let document = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO machines (id, document) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET document = excluded.document", arguments: [record.id, document])
        }
    }

    public func updates(after sequence: Int64, limit: Int = 500) throws -> [AgentUpdate] {
        let decoder = JSONDecoder()
        return try pool.read { db in
            try String.fetchAll(db, sql: "SELECT document FROM updates WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [sequence, limit])
                .map { try decoder.decode(AgentUpdate.self, from: Data($0.utf8)) }
        }
    }

    public func lastSequence() throws -> Int64 {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM updates") ?? 0 }
    }

    /// Drops acknowledged updates, always keeping the newest so sequence numbers never restart.
    public func acknowledge(upTo sequence: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM updates WHERE seq <= ? AND seq < (SELECT MAX(seq) FROM updates)", arguments: [sequence])
        }
    }
}

import Foundation
import GRDB

extension SQLiteControlStore {
    static func registerHostMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-hosts") { db in
            try db.create(table: "hosts") { t in
                t.primaryKey("id", .text)
                t.column("document", .text).notNull()
            }
        }
    }

    public func saveHost(_ host: HostRecord) async throws -> HostRecord {
        try await commits.write { db in
            var host = host
            if let text = try String.fetchOne(db, sql: "SELECT document FROM hosts WHERE id = ?", arguments: [host.id]) {
                // A registration never uncordons a host or forgets when it first came.
                let existing = try self.decode(HostRecord.self, text)
                host.cordoned = existing.cordoned
                host.registeredAt = existing.registeredAt
            }
            try db.execute(
                sql: "INSERT INTO hosts (id, document) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET document = excluded.document",
                arguments: [host.id, try self.encode(host)])
            return host
        }
    }

    public func hosts() async throws -> [HostRecord] {
        let texts = try await pool.read { db in try String.fetchAll(db, sql: "SELECT document FROM hosts ORDER BY id") }
        return try texts.map { try decode(HostRecord.self, $0) }
    }

    public func setHostCordoned(id: String, _ cordoned: Bool) async throws -> HostRecord? {
        try await commits.write { db in
            guard let text = try String.fetchOne(db, sql: "SELECT document FROM hosts WHERE id = ?", arguments: [id]) else { return nil }
            var host = try self.decode(HostRecord.self, text)
            host.cordoned = cordoned
            try db.execute(sql: "UPDATE hosts SET document = ? WHERE id = ?", arguments: [try self.encode(host), id])
            return host
        }
    }

    public func liveMachineReservations() async throws -> [MachineReservation] {
        let texts = try await pool.read { db in try String.fetchAll(db, sql: "SELECT document FROM machines WHERE live") }
        return try texts.map { MachineReservation(try decode(MachineRecord.self, $0)) }
    }
}

import Foundation
import GRDB
import TarmacModel

extension SQLiteControlStore {
    /// Deliveries kept per webhook; older ones are pruned as new ones are written.
    static let deliveriesKept = 200

    public func insertWebhook(_ record: WebhookRecord) async throws -> WebhookRecord {
        let encoder = self.encoder
        return try await commits.write { db in
            // A new webhook starts after the newest event: it delivers what happens from now on.
            var stored = record
            stored.webhook.cursor = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM machine_events") ?? 0
            let document = String(decoding: try encoder.encode(stored), as: UTF8.self)
            try db.execute(sql: "INSERT INTO webhooks (id, app_name, document) VALUES (?, ?, ?)", arguments: [stored.id, stored.webhook.app, document])
            return stored
        }
    }

    public func webhooks(appName: String?) async throws -> [WebhookRecord] {
        let texts = try await pool.read { db in
            if let appName {
                return try String.fetchAll(db, sql: "SELECT document FROM webhooks WHERE app_name = ? ORDER BY id", arguments: [appName])
            }
            return try String.fetchAll(db, sql: "SELECT document FROM webhooks ORDER BY id")
        }
        return try texts.map { try decode(WebhookRecord.self, $0) }
    }

    public func webhook(id: String) async throws -> WebhookRecord? {
        let text = try await pool.read { db in try String.fetchOne(db, sql: "SELECT document FROM webhooks WHERE id = ?", arguments: [id]) }
        return try text.map { try decode(WebhookRecord.self, $0) }
    }

    public func deleteWebhook(id: String) async throws -> Bool {
        try await commits.write { db in
            try db.execute(sql: "DELETE FROM webhook_deliveries WHERE webhook_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM webhooks WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    public func saveWebhookCursor(id: String, cursor: Int64) async throws {
        _ = try await modifyWebhook(id: id) { $0.webhook.cursor = max($0.webhook.cursor, cursor) }
    }

    public func enableWebhook(id: String) async throws -> WebhookRecord? {
        try await modifyWebhook(id: id) { record in
            record.webhook.enabled = true
            record.webhook.consecutiveFailures = 0
            record.webhook.disabledAt = nil
            record.webhook.disabledReason = nil
        }
    }

    public func recordWebhookAttempt(_ attempt: WebhookAttempt) async throws -> Bool {
        let encoder = self.encoder
        let delivery = String(decoding: try encoder.encode(attempt.delivery), as: UTF8.self)
        let event = try attempt.appEvent.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let document = String(decoding: try encoder.encode(attempt.webhook), as: UTF8.self)
        let id = attempt.webhook.id
        return try await commits.write { db in
            // A webhook deleted while its delivery ran stays deleted.
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM webhooks WHERE id = ?", arguments: [id]) != nil else { return false }
            try db.execute(sql: "UPDATE webhooks SET document = ? WHERE id = ?", arguments: [document, id])
            try db.execute(sql: "INSERT INTO webhook_deliveries (webhook_id, document) VALUES (?, ?)", arguments: [id, delivery])
            try db.execute(sql: """
                DELETE FROM webhook_deliveries WHERE webhook_id = ? AND seq <= (
                  SELECT seq FROM webhook_deliveries WHERE webhook_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)
                """, arguments: [id, id, Self.deliveriesKept])
            if let event {
                try db.execute(sql: "INSERT INTO machine_events (machine_id, app_name, document) VALUES ('', ?, ?)", arguments: [attempt.webhook.webhook.app, event])
            }
            return true
        }
    }

    public func webhookDeliveries(webhookID: String, limit: Int) async throws -> [WebhookDelivery] {
        let texts = try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT document FROM webhook_deliveries WHERE webhook_id = ? ORDER BY seq DESC LIMIT ?", arguments: [webhookID, limit])
        }
        return try texts.map { try decode(WebhookDelivery.self, $0) }
    }

    /// Reads, changes and writes one webhook in a transaction; nil when there is none.
    private func modifyWebhook(id: String, _ change: @escaping @Sendable (inout WebhookRecord) -> Void) async throws -> WebhookRecord? {
        let encoder = self.encoder
        let decoder = self.decoder
        return try await commits.write { db in
            guard let text = try String.fetchOne(db, sql: "SELECT document FROM webhooks WHERE id = ?", arguments: [id]) else { return nil }
            var record = try decoder.decode(WebhookRecord.self, from: Data(text.utf8))
            change(&record)
            let document = String(decoding: try encoder.encode(record), as: UTF8.self)
            try db.execute(sql: "UPDATE webhooks SET document = ? WHERE id = ?", arguments: [document, id])
            return record
        }
    }
}

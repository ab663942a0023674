import Foundation
import Testing
import TarmacModel
import TarmacStore

/// The webhook outbox in the SQLite store: cursors, attempts, the log's pruning, deletes
/// racing deliveries, and app-level events on the app feed.
@Suite("SQLiteControlStore: webhooks")
struct SQLiteControlStoreWebhookTests {
    typealias F = StoreFixture

    static func record(app: String = "web") -> WebhookRecord {
        WebhookRecord(webhook: Webhook(id: Identifiers.webhookID(), app: app, url: "http://127.0.0.1:9/x", events: [], enabled: true, createdAt: "now"), secret: "0123456789abcdef")
    }

    static func delivery(_ webhook: WebhookRecord, sequence: Int64, attempt: Int, outcome: String = "failed") -> WebhookDelivery {
        WebhookDelivery(webhookID: webhook.id, sequence: sequence, eventID: "e\(sequence)", eventType: "start", attempt: attempt, outcome: outcome, statusCode: 500, error: "x", durationMS: 1, at: "now")
    }

    @Test("a new webhook starts after the newest event; attempts move its cursor and are logged newest first")
    func cursorAndLog() async throws {
        try await F.withApp { _, store in
            let machine = F.machine(name: "one")
            try await store.insertMachine(machine, events: [F.event("launch"), F.event("start")])
            let stored = try await store.insertWebhook(Self.record())
            #expect(stored.webhook.cursor == 2)
            #expect(try await store.webhooks(appName: "web").map(\.id) == [stored.id])
            #expect(try await store.webhooks(appName: "other").isEmpty)
            var next = stored
            next.webhook.cursor = 5
            next.webhook.consecutiveFailures = 0
            #expect(try await store.recordWebhookAttempt(WebhookAttempt(webhook: next, delivery: Self.delivery(stored, sequence: 5, attempt: 1, outcome: "delivered"))))
            #expect(try await store.webhook(id: stored.id)?.webhook.cursor == 5)
            try await store.saveWebhookCursor(id: stored.id, cursor: 3)
            #expect(try await store.webhook(id: stored.id)?.webhook.cursor == 5, "a cursor never moves back")
            try await store.saveWebhookCursor(id: stored.id, cursor: 9)
            #expect(try await store.webhook(id: stored.id)?.webhook.cursor == 9)
            #expect(try await store.webhook(id: stored.id)?.secret == "0123456789abcdef")
        }
    }

    @Test("the delivery log keeps the newest 200 attempts")
    func pruning() async throws {
        try await F.withApp { _, store in
            let stored = try await store.insertWebhook(Self.record())
            for attempt in 1...205 {
                _ = try await store.recordWebhookAttempt(WebhookAttempt(webhook: stored, delivery: Self.delivery(stored, sequence: 1, attempt: attempt)))
            }
            let log = try await store.webhookDeliveries(webhookID: stored.id, limit: 500)
            #expect(log.count == 200)
            #expect(log.first?.attempt == 205 && log.last?.attempt == 6)
        }
    }

    @Test("an attempt for a deleted webhook is not recorded; a disabling adds an app event to the feed")
    func deleteAndDisable() async throws {
        try await F.withApp { _, store in
            let machine = F.machine(name: "one")
            try await store.insertMachine(machine, events: [F.event("start")])
            let gone = try await store.insertWebhook(Self.record())
            #expect(try await store.deleteWebhook(id: gone.id))
            #expect(try await store.deleteWebhook(id: gone.id) == false)
            #expect(try await store.recordWebhookAttempt(WebhookAttempt(webhook: gone, delivery: Self.delivery(gone, sequence: 1, attempt: 1))) == false)
            #expect(try await store.webhook(id: gone.id) == nil)

            var disabled = try await store.insertWebhook(Self.record())
            disabled.webhook.enabled = false
            let event = MachineEvent(id: ULID.make(), type: "webhook", status: "disabled", source: "tarmac", timestamp: 1, request: .object(["webhook_id": .string(disabled.id)]))
            #expect(try await store.recordWebhookAttempt(WebhookAttempt(webhook: disabled, delivery: Self.delivery(disabled, sequence: 1, attempt: 10), appEvent: event)))
            let feed = try await store.appEvents(appName: "web", after: 0, limit: 10)
            #expect(feed.map(\.event.type) == ["start", "webhook"])
            #expect(feed.last?.machineID == "")
            #expect(try await store.recentAppEvents(appName: "web", limit: 1).map(\.event.type) == ["webhook"])
            #expect(try await store.webhook(id: disabled.id)?.webhook.enabled == false)
            let enabled = try await store.enableWebhook(id: disabled.id)
            #expect(enabled?.webhook.enabled == true && enabled?.webhook.consecutiveFailures == 0 && enabled?.webhook.disabledReason == nil)
            #expect(try await store.enableWebhook(id: "wh_missing") == nil)
            try await store.deleteApp(named: "web")
            #expect(try await store.webhooks(appName: nil).isEmpty, "an app's webhooks end with it")
        }
    }
}

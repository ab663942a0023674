import Foundation
import TarmacModel
import TarmacStore

/// Webhooks of an app (`/tarmac/v1/apps/{app}/webhooks`); `TarmacWebhooks` delivers them.
extension Control {
    /// The shortest secret accepted: HMAC-SHA256 with a guessable key proves nothing.
    public static let minimumWebhookSecretLength = 16
    public static let maximumWebhooksPerApp = 20
    public static let maximumWebhookDeliveries = 200

    public func createWebhook(app: String, _ request: WebhookCreateRequest) async throws -> Webhook {
        _ = try await appRecord(app)
        let (url, events, secret) = try Self.validateWebhook(request)
        guard try await store.webhooks(appName: app).count < Self.maximumWebhooksPerApp else {
            throw ControlError(.conflict, "app \(app) already has \(Self.maximumWebhooksPerApp) webhooks; delete one first")
        }
        let webhook = Webhook(id: Identifiers.webhookID(), app: app, url: url, events: events, enabled: true, createdAt: Timestamps.rfc3339(Date()))
        let stored = try await store.insertWebhook(WebhookRecord(webhook: webhook, secret: secret))
        webhookSignal.added(stored.id)
        return stored.webhook
    }

    public func webhooks(app: String) async throws -> [Webhook] {
        _ = try await appRecord(app)
        return try await store.webhooks(appName: app).map(\.webhook)
    }

    public func webhook(app: String, id: String) async throws -> Webhook {
        try await webhookRecord(app: app, id: id).webhook
    }

    /// Turns a (disabled) webhook back on. It resumes from its cursor, so the events that
    /// came while it was off are delivered too.
    public func enableWebhook(app: String, id: String) async throws -> Webhook {
        _ = try await webhookRecord(app: app, id: id)
        guard let record = try await store.enableWebhook(id: id) else {
            throw ControlError(.notFound, "webhook not found: app \(app) has no webhook \(id)")
        }
        webhookSignal.added(id)
        return record.webhook
    }

    public func deleteWebhook(app: String, id: String) async throws {
        _ = try await webhookRecord(app: app, id: id)
        _ = try await store.deleteWebhook(id: id)
    }

    public func webhookDeliveries(app: String, id: String, limit: Int) async throws -> [WebhookDelivery] {
        guard (1...Self.maximumWebhookDeliveries).contains(limit) else {
            throw ControlError(.badRequest, "limit: must be between 1 and \(Self.maximumWebhookDeliveries), got \(limit)")
        }
        _ = try await webhookRecord(app: app, id: id)
        return try await store.webhookDeliveries(webhookID: id, limit: limit)
    }

    private func webhookRecord(app: String, id: String) async throws -> WebhookRecord {
        _ = try await appRecord(app)
        guard let record = try await store.webhook(id: id), record.webhook.app == app else {
            throw ControlError(.notFound, "webhook not found: app \(app) has no webhook \(id)")
        }
        return record
    }

    /// The URL, event filter and secret of a create request, or a 400 naming the field.
    public static func validateWebhook(_ request: WebhookCreateRequest) throws -> (String, [String], String) {
        guard let url = request.url?.trimmingCharacters(in: .whitespaces), !url.isEmpty else {
            throw ControlError(.badRequest, "url: is required (an http:// or https:// URL the events are POSTed to)")
        }
        guard url.count <= 2048, let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else {
            throw ControlError(.badRequest, "url: must be an http:// or https:// URL with a host, got \"\(url.prefix(200))\"")
        }
        guard let secret = request.secret, !secret.isEmpty else {
            throw ControlError(.badRequest, "secret: is required (at least \(minimumWebhookSecretLength) characters; deliveries are signed with it)")
        }
        guard secret.utf8.count >= minimumWebhookSecretLength, secret.utf8.count <= 512 else {
            throw ControlError(.badRequest, "secret: must be \(minimumWebhookSecretLength) to 512 bytes long, got \(secret.utf8.count)")
        }
        var events: [String] = []
        for (index, type) in (request.events ?? []).enumerated() {
            guard !type.isEmpty, type.count <= 64, type == "*" || type.allSatisfy({ ("a"..."z").contains($0) || $0 == "_" || $0 == "-" }) else {
                throw ControlError(.badRequest, "events[\(index)]: must be an event type such as \"start\", \"exit\" or \"check\" (or \"*\" for all), got \"\(type.prefix(64))\"")
            }
            if type == "*" { return (url, [], secret) }
            if !events.contains(type) { events.append(type) }
        }
        return (url, events, secret)
    }
}

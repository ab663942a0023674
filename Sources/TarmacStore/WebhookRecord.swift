import TarmacModel

/// A stored webhook: the view clients see plus the secret deliveries are signed with.
public struct WebhookRecord: Sendable, Hashable, Codable {
    public var webhook: Webhook
    public var secret: String

    public init(webhook: Webhook, secret: String) {
        self.webhook = webhook
        self.secret = secret
    }

    public var id: String { webhook.id }
}

/// What one delivery attempt changes, written in one transaction: the attempt joins the
/// delivery log, the webhook's cursor, failure count and enabled flag change, and a
/// disabling adds an app event (`webhook`/`disabled`) to the feed.
public struct WebhookAttempt: Sendable, Hashable {
    public var webhook: WebhookRecord
    public var delivery: WebhookDelivery
    public var appEvent: MachineEvent?

    public init(webhook: WebhookRecord, delivery: WebhookDelivery, appEvent: MachineEvent? = nil) {
        self.webhook = webhook
        self.delivery = delivery
        self.appEvent = appEvent
    }
}

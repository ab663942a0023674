/// A webhook of an app (`/tarmac/v1/apps/{app}/webhooks`): every event of the app's machines
/// that passes `events` is POSTed to `url`, signed with the webhook's secret (the secret is
/// never shown again after the create).
public struct Webhook: Sendable, Hashable, Codable {
    public var id: String
    public var app: String
    public var url: String
    /// Event types delivered (`start`, `exit`, `check`…); empty means every event.
    public var events: [String]
    public var enabled: Bool
    public var createdAt: String
    /// Set when deliveries kept failing and the webhook was turned off.
    public var disabledAt: String?
    public var disabledReason: String?
    /// Failed attempts since the last successful delivery.
    public var consecutiveFailures: Int
    /// The sequence of the last event the webhook has handled (delivered or skipped).
    public var cursor: Int64

    public init(
        id: String, app: String, url: String, events: [String], enabled: Bool, createdAt: String,
        disabledAt: String? = nil, disabledReason: String? = nil, consecutiveFailures: Int = 0, cursor: Int64 = 0
    ) {
        self.id = id
        self.app = app
        self.url = url
        self.events = events
        self.enabled = enabled
        self.createdAt = createdAt
        self.disabledAt = disabledAt
        self.disabledReason = disabledReason
        self.consecutiveFailures = consecutiveFailures
        self.cursor = cursor
    }

    enum CodingKeys: String, CodingKey {
        case id, app, url, events, enabled, cursor
        case createdAt = "created_at"
        case disabledAt = "disabled_at"
        case disabledReason = "disabled_reason"
        case consecutiveFailures = "consecutive_failures"
    }
}

/// `POST /tarmac/v1/apps/{app}/webhooks`.
public struct WebhookCreateRequest: Sendable, Hashable, Codable {
    public var url: String?
    public var events: [String]?
    public var secret: String?

    public init(url: String?, events: [String]? = nil, secret: String?) {
        self.url = url
        self.events = events
        self.secret = secret
    }
}

/// One delivery attempt of one event to a webhook (`…/webhooks/{id}/deliveries`).
public struct WebhookDelivery: Sendable, Hashable, Codable {
    public var webhookID: String
    /// The event's place in the app's event log (also the `tarmac-event-sequence` header).
    public var sequence: Int64
    public var eventID: String
    public var eventType: String
    /// 1 for the first attempt of an event, counting up across retries.
    public var attempt: Int
    /// `delivered` (a 2xx answer) or `failed`.
    public var outcome: String
    public var statusCode: Int?
    public var error: String?
    public var durationMS: Int
    public var at: String

    public init(
        webhookID: String, sequence: Int64, eventID: String, eventType: String, attempt: Int, outcome: String,
        statusCode: Int?, error: String?, durationMS: Int, at: String
    ) {
        self.webhookID = webhookID
        self.sequence = sequence
        self.eventID = eventID
        self.eventType = eventType
        self.attempt = attempt
        self.outcome = outcome
        self.statusCode = statusCode
        self.error = error
        self.durationMS = durationMS
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case sequence, attempt, outcome, error, at
        case webhookID = "webhook_id"
        case eventID = "event_id"
        case eventType = "event_type"
        case statusCode = "status_code"
        case durationMS = "duration_ms"
    }
}

/// The JSON body of a webhook delivery.
public struct WebhookPayload: Sendable, Hashable, Codable {
    public var webhookID: String
    public var app: String
    public var sequence: Int64
    /// Empty for events of the app itself (a webhook disabled).
    public var machineID: String
    public var event: MachineEvent

    public init(webhookID: String, app: String, sequence: Int64, machineID: String, event: MachineEvent) {
        self.webhookID = webhookID
        self.app = app
        self.sequence = sequence
        self.machineID = machineID
        self.event = event
    }

    enum CodingKeys: String, CodingKey {
        case app, sequence, event
        case webhookID = "webhook_id"
        case machineID = "machine_id"
    }
}

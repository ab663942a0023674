import AsyncHTTPClient
import CoreMetrics
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import TarmacControl
import TarmacModel
import TarmacStore

/// Delivers one webhook's events in order, until the webhook is deleted or disabled.
struct WebhookWorker: Sendable {
    let id: String
    let control: Control
    let store: any ControlStore
    let configuration: WebhookDispatcher.Configuration
    let client: HTTPClient
    let logger: Logger

    /// How long one wait for new events lasts before the webhook is read again (a delete
    /// ends the worker within this time).
    static let poll: Duration = .seconds(1)

    func run() async {
        while !Task.isCancelled {
            do {
                guard var record = try await store.webhook(id: id), record.webhook.enabled else { return }
                let events = try await control.nextAppEvents(app: record.webhook.app, after: record.webhook.cursor, timeout: Self.poll)
                var skippedTo: Int64?
                for event in events {
                    guard Self.delivers(record.webhook, event) else {
                        skippedTo = event.sequence
                        continue
                    }
                    if let skipped = skippedTo {
                        try await store.saveWebhookCursor(id: id, cursor: skipped)
                        skippedTo = nil
                    }
                    guard let next = try await deliver(event, record: record) else { return }
                    record = next
                }
                if let skipped = skippedTo { try await store.saveWebhookCursor(id: id, cursor: skipped) }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("webhook delivery loop failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: Self.poll)
            }
        }
    }

    /// Whether the webhook's filter takes this event; its own kind of events (`webhook`)
    /// only reach the others.
    static func delivers(_ webhook: Webhook, _ event: AppEvent) -> Bool {
        if event.event.type == "webhook", event.event.request?["webhook_id"]?.stringValue == webhook.id { return false }
        return webhook.events.isEmpty || webhook.events.contains(event.event.type)
    }

    /// Delivers one event, retrying with backoff until a receiver takes it. Returns the
    /// webhook as stored after the success, or nil when it was deleted or got disabled.
    private func deliver(_ event: AppEvent, record initial: WebhookRecord) async throws -> WebhookRecord? {
        var record = initial
        let payload = WebhookPayload(webhookID: id, app: record.webhook.app, sequence: event.sequence, machineID: event.machineID, event: event.event)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try encoder.encode(payload)
        var attempt = 0
        while true {
            try Task.checkCancellation()
            attempt += 1
            let outcome = await post(body, sequence: event.sequence, eventID: event.event.id, attempt: attempt, secret: record.secret, url: record.webhook.url)
            Counter(label: "tarmac_webhook_deliveries_total", dimensions: [("outcome", outcome.delivered ? "delivered" : "failed")]).increment()
            Timer(label: "tarmac_webhook_delivery_duration_seconds").recordMilliseconds(outcome.milliseconds)
            let delivery = WebhookDelivery(
                webhookID: id, sequence: event.sequence, eventID: event.event.id, eventType: event.event.type, attempt: attempt,
                outcome: outcome.delivered ? "delivered" : "failed", statusCode: outcome.status, error: outcome.error,
                durationMS: outcome.milliseconds, at: Timestamps.rfc3339(Date()))
            var next = record
            var disabledEvent: MachineEvent?
            if outcome.delivered {
                next.webhook.cursor = event.sequence
                next.webhook.consecutiveFailures = 0
            } else {
                next.webhook.consecutiveFailures += 1
                if next.webhook.consecutiveFailures >= configuration.maximumConsecutiveFailures {
                    let reason = "\(next.webhook.consecutiveFailures) deliveries in a row failed; the last: \(outcome.error ?? "HTTP \(outcome.status ?? 0)")"
                    next.webhook.enabled = false
                    next.webhook.disabledAt = Timestamps.rfc3339(Date())
                    next.webhook.disabledReason = reason
                    disabledEvent = Self.disabledEvent(next.webhook, reason: reason)
                    logger.warning("webhook disabled", metadata: ["reason": "\(reason)"])
                }
            }
            guard try await store.recordWebhookAttempt(WebhookAttempt(webhook: next, delivery: delivery, appEvent: disabledEvent)) else { return nil }
            record = next
            if outcome.delivered { return record }
            if !record.webhook.enabled { return nil }
            try await Task.sleep(for: configuration.backoff.delay(afterAttempt: attempt))
            // A delete during the wait ends the retries.
            guard let current = try await store.webhook(id: id), current.webhook.enabled else { return nil }
            record.secret = current.secret
        }
    }

    static func disabledEvent(_ webhook: Webhook, reason: String) -> MachineEvent {
        let now = Date()
        return MachineEvent(
            id: ULID.make(date: now), type: "webhook", status: "disabled", source: "tarmac", timestamp: Timestamps.unixMillis(now),
            request: .object(["webhook_id": .string(webhook.id), "url": .string(webhook.url), "reason": .string(reason)]))
    }

    struct Outcome {
        var delivered: Bool
        var status: Int?
        var error: String?
        var milliseconds: Int
    }

    private func post(_ body: Data, sequence: Int64, eventID: String, attempt: Int, secret: String, url: String) async -> Outcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: "tarmac-webhooks/1")
        request.headers.add(name: "tarmac-webhook-id", value: id)
        request.headers.add(name: "tarmac-event-id", value: eventID)
        request.headers.add(name: "tarmac-event-sequence", value: "\(sequence)")
        request.headers.add(name: "tarmac-delivery-attempt", value: "\(attempt)")
        request.headers.add(name: WebhookSignature.header, value: WebhookSignature.sign(secret: secret, timestamp: Int64(Date().timeIntervalSince1970), body: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        let started = ContinuousClock.now
        func elapsed() -> Int {
            let duration = ContinuousClock.now - started
            return Int(duration.wholeMilliseconds)
        }
        do {
            let response = try await client.execute(request, timeout: TimeAmount(configuration.requestTimeout))
            // Read (a little of) the answer so the connection is released.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let code = Int(response.status.code)
            let delivered = (200..<300).contains(code)
            return Outcome(delivered: delivered, status: code, error: delivered ? nil : "the receiver answered \(code) \(response.status.reasonPhrase)", milliseconds: elapsed())
        } catch {
            let text = (error as? HTTPClientError) == .deadlineExceeded ? "no answer within \(configuration.requestTimeout)" : "\(error)"
            return Outcome(delivered: false, status: nil, error: text, milliseconds: elapsed())
        }
    }
}

import Testing
import TarmacControl
import TarmacModel
@testable import TarmacWebhooks

/// Bad webhook definitions are refused naming the field; the filter picks event types.
@Suite("Webhook definitions and filters")
struct WebhookValidationTests {
    static let secret = "s3cret-of-sixteen+"

    @Test("bad urls, secrets and event types are refused naming the field", arguments: [
        (WebhookCreateRequest(url: nil, secret: secret), "url: is required"),
        (WebhookCreateRequest(url: "  ", secret: secret), "url: is required"),
        (WebhookCreateRequest(url: "ftp://example.com/hook", secret: secret), "url: must be an http:// or https:// URL"),
        (WebhookCreateRequest(url: "example.com/hook", secret: secret), "url: must be"),
        (WebhookCreateRequest(url: "http:///nohost", secret: secret), "url: must be"),
        (WebhookCreateRequest(url: "http://example.com", secret: nil), "secret: is required"),
        (WebhookCreateRequest(url: "http://example.com", secret: "short"), "secret: must be 16 to 512 bytes long, got 5"),
        (WebhookCreateRequest(url: "http://example.com", events: ["start", "Bad Type"], secret: secret), "events[1]:"),
        (WebhookCreateRequest(url: "http://example.com", events: [""], secret: secret), "events[0]:"),
    ])
    func refusals(request: WebhookCreateRequest, message: String) async throws {
        let error = try #require(throws: ControlError.self) { try Control.validateWebhook(request) }
        #expect(error.code == .badRequest)
        #expect(error.message.hasPrefix(message), "\(error.message)")
    }

    @Test("accepted definitions; * or no filter means every event; duplicates drop")
    func accepted() throws {
        #expect(try Control.validateWebhook(WebhookCreateRequest(url: "https://hooks.example.com/x?y=1", events: ["start", "exit", "start"], secret: Self.secret)).1 == ["start", "exit"])
        #expect(try Control.validateWebhook(WebhookCreateRequest(url: "http://127.0.0.1:9/", events: ["start", "*"], secret: Self.secret)).1 == [])
        #expect(try Control.validateWebhook(WebhookCreateRequest(url: "HTTP://Example.com", secret: Self.secret)).0 == "HTTP://Example.com")
    }

    @Test("the filter: event types, and a webhook never gets its own disabled event")
    func filter() {
        let event = { (type: String, request: JSONValue?) in
            AppEvent(sequence: 1, machineID: "m", event: MachineEvent(id: "e", type: type, status: "x", source: "flyd", timestamp: 0, request: request))
        }
        let all = Webhook(id: "wh_a", app: "web", url: "http://x", events: [], enabled: true, createdAt: "")
        var some = all
        some.events = ["exit"]
        #expect(WebhookWorker.delivers(all, event("start", nil)))
        #expect(!WebhookWorker.delivers(some, event("start", nil)))
        #expect(WebhookWorker.delivers(some, event("exit", nil)))
        let disabled = event("webhook", .object(["webhook_id": .string("wh_a")]))
        #expect(!WebhookWorker.delivers(all, disabled))
        var other = all
        other.id = "wh_b"
        #expect(WebhookWorker.delivers(other, disabled))
    }
}

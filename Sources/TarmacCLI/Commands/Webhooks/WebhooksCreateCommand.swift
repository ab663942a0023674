import ArgumentParser
import Foundation
import TarmacClient
import TarmacModel

/// `tarmac webhooks create URL -a APP --secret S [--event start --event exit]`.
struct WebhooksCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a webhook (events from now on are delivered).")

    @Argument(help: "The http:// or https:// URL events are POSTed to.")
    var url: String

    @Option(help: "Signing secret, at least 16 characters (env TARMAC_WEBHOOK_SECRET).")
    var secret: String?

    @Option(name: .customLong("event"), help: "Deliver only this event type (start, exit, check…); repeatable. Default: every event.")
    var events: [String] = []

    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let secret = self.secret ?? ProcessInfo.processInfo.environment["TARMAC_WEBHOOK_SECRET"]
        let request = WebhookCreateRequest(url: url, events: events.isEmpty ? nil : events, secret: secret)
        let app = try app.resolvedApp()
        try await client.withClient { api in
            let response = try await api.send(.createWebhook(app: app, request))
            if client.json { return Console.printJSON(response.body) }
            let webhook = try response.decode(Webhook.self)
            let filter = webhook.events.isEmpty ? "every event" : webhook.events.joined(separator: ", ")
            Console.line("Created webhook \(webhook.id) for \(app): \(filter) → \(webhook.url)")
        }
    }
}

import ArgumentParser
import Foundation
import TarmacClient
import TarmacModel

/// `tarmac webhooks list -a APP`.
struct WebhooksListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List an app's webhooks.", aliases: ["ls"])

    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let app = try app.resolvedApp()
        try await client.withClient { api in
            let response = try await api.send(.listWebhooks(app: app))
            if client.json { return Console.printJSON(response.body) }
            let webhooks = try response.decode([Webhook].self)
            guard !webhooks.isEmpty else { return Console.line("App \(app) has no webhooks. Create one with `tarmac webhooks create URL -a \(app) --secret …`.") }
            Console.line(Self.table(webhooks))
        }
    }

    static func table(_ webhooks: [Webhook]) -> String {
        let rows = webhooks.map { webhook in
            [
                webhook.id, webhook.enabled ? "enabled" : "disabled", webhook.events.isEmpty ? "*" : webhook.events.joined(separator: ","),
                webhook.url, webhook.enabled ? String(webhook.consecutiveFailures) : (webhook.disabledReason ?? ""),
            ]
        }
        return TableRenderer.render(headers: ["ID", "STATE", "EVENTS", "URL", "FAILURES"], rows: rows)
    }
}

import ArgumentParser
import Foundation
import TarmacClient
import TarmacModel

/// `tarmac webhooks enable ID -a APP`: turns a disabled webhook back on.
struct WebhooksEnableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable", abstract: "Turn a disabled webhook back on; it delivers what it missed, from where it stopped.")

    @Argument(help: "Webhook ID (wh_…).")
    var id: String

    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let app = try app.resolvedApp()
        try await client.withClient { api in
            let response = try await api.send(.enableWebhook(app: app, id: id))
            if client.json { return Console.printJSON(response.body) }
            let webhook = try response.decode(Webhook.self)
            Console.line("Enabled webhook \(webhook.id); it resumes after event \(webhook.cursor).")
        }
    }
}

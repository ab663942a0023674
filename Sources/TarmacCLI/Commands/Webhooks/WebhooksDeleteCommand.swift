import ArgumentParser
import Foundation
import TarmacClient

/// `tarmac webhooks delete ID -a APP`.
struct WebhooksDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a webhook and its delivery log.", aliases: ["rm"])

    @Argument(help: "Webhook ID (wh_…).")
    var id: String

    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let app = try app.resolvedApp()
        try await client.withClient { api in
            _ = try await api.send(.deleteWebhook(app: app, id: id))
            if client.json { return Console.printJSON(try JSONEncoder().encode(["deleted": id])) }
            Console.line("Deleted webhook \(id).")
        }
    }
}

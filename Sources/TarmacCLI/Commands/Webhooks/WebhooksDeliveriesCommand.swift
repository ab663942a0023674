import ArgumentParser
import Foundation
import TarmacClient
import TarmacModel

/// `tarmac webhooks deliveries ID -a APP [--limit N]`: the delivery log, newest first.
struct WebhooksDeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deliveries", abstract: "Show a webhook's delivery attempts, newest first.")

    @Argument(help: "Webhook ID (wh_…).")
    var id: String

    @Option(help: "At most this many attempts (1-200).")
    var limit = 20

    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let app = try app.resolvedApp()
        try await client.withClient { api in
            let response = try await api.send(.webhookDeliveries(app: app, id: id, limit: limit))
            if client.json { return Console.printJSON(response.body) }
            let deliveries = try response.decode([WebhookDelivery].self)
            guard !deliveries.isEmpty else { return Console.line("No deliveries yet.") }
            Console.line(Self.table(deliveries))
        }
    }

    static func table(_ deliveries: [WebhookDelivery]) -> String {
        let rows = deliveries.map { delivery in
            [
                delivery.at, String(delivery.sequence), delivery.eventType, String(delivery.attempt), delivery.outcome,
                delivery.statusCode.map(String.init) ?? "-", "\(delivery.durationMS) ms", delivery.error ?? "",
            ]
        }
        return TableRenderer.render(headers: ["AT", "SEQ", "EVENT", "ATTEMPT", "OUTCOME", "STATUS", "TOOK", "ERROR"], rows: rows)
    }
}

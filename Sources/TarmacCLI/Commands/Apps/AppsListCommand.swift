import ArgumentParser
import Foundation
import TarmacClient
import TarmacModel

/// `tarmac apps list [--org personal]`.
struct AppsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List apps.", aliases: ["ls"])

    @Option(help: "Organisation slug.")
    var org = "personal"

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await client.withClient { api in
            let response = try await api.send(.listApps(orgSlug: org))
            if client.json { return Console.printJSON(response.body) }
            let list = try response.decode(AppList.self)
            guard !list.apps.isEmpty else {
                return Console.line("No apps in organisation \(org). Create one with `tarmac apps create NAME`.")
            }
            Console.line(Self.table(list.apps, now: Date()))
        }
    }

    static func table(_ apps: [App], now: Date) -> String {
        let rows = apps.sorted { $0.name < $1.name }.map { app in
            [
                app.name, app.organization.slug, app.status, String(app.machineCount),
                TimeFormatting.relative(Timestamps.date(unixMillis: app.createdAt), now: now),
            ]
        }
        return TableRenderer.render(headers: ["NAME", "ORG", "STATUS", "MACHINES", "CREATED"], rows: rows)
    }
}

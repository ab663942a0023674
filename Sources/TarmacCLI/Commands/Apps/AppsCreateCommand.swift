import ArgumentParser
import TarmacClient
import TarmacModel

/// `tarmac apps create NAME [--org personal]`.
struct AppsCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create an app.")

    @Argument(help: "App name: lowercase letters, digits and dashes.")
    var name: String

    @Option(help: "Organisation slug.")
    var org = "personal"

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await client.withClient { api in
            let response = try await api.send(.createApp(name: name, orgSlug: org))
            if client.json { return Console.printJSON(response.body) }
            let app = try response.decode(App.self)
            Console.line("Created app \(app.name) in organisation \(app.organization.slug).")
        }
    }
}

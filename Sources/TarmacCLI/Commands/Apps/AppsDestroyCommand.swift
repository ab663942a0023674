import ArgumentParser
import TarmacClient

/// `tarmac apps destroy NAME [--force]`.
struct AppsDestroyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy", abstract: "Destroy an app.",
        discussion: "Without --force the server refuses while the app still has machines.",
        aliases: ["delete", "rm"])

    @Argument(help: "App name.")
    var name: String

    @Flag(help: "Stop and destroy the app's machines first.")
    var force = false

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await client.withClient { api in
            let response = try await api.send(.deleteApp(name, force: force))
            if client.json { return Console.printJSON(response.body) }
            Console.line("Destroyed app \(name).")
        }
    }
}

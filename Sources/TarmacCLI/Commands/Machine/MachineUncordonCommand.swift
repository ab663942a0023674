import ArgumentParser
import TarmacClient

/// `tarmac machine uncordon ID`.
struct MachineUncordonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "uncordon", abstract: "Route proxy traffic to a machine again.")

    @Argument(help: "Machine ID.")
    var id: String

    @OptionGroup var lease: LeaseNonceOption
    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let appName = try app.resolvedApp()
        try await client.withClient { api in
            let response = try await api.send(.uncordonMachine(app: appName, id: id, nonce: lease.leaseNonce))
            if client.json { return Console.printJSON(response.body) }
            Console.line("Machine \(id) uncordoned.")
        }
    }
}

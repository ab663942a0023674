import ArgumentParser
import TarmacClient

/// `tarmac machine cordon ID`.
struct MachineCordonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cordon", abstract: "Stop routing proxy traffic to a machine.")

    @Argument(help: "Machine ID.")
    var id: String

    @OptionGroup var lease: LeaseNonceOption
    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let appName = try app.resolvedApp()
        try await client.withClient { api in
            let response = try await api.send(.cordonMachine(app: appName, id: id, nonce: lease.leaseNonce))
            if client.json { return Console.printJSON(response.body) }
            Console.line("Machine \(id) cordoned: it receives no proxied traffic.")
        }
    }
}

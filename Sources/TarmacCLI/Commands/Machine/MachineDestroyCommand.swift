import ArgumentParser
import TarmacClient

/// `tarmac machine destroy ID [--force]`.
struct MachineDestroyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy", abstract: "Destroy a machine.",
        discussion: "Without --force only stopped or suspended machines can be destroyed.",
        aliases: ["rm", "remove"])

    @Argument(help: "Machine ID.")
    var id: String

    @Flag(help: "Kill and destroy the machine even when it is running.")
    var force = false

    @OptionGroup var lease: LeaseNonceOption
    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let appName = try app.resolvedApp()
        try await client.withClient { api in
            let response = try await api.send(.destroyMachine(app: appName, id: id, force: force, nonce: lease.leaseNonce))
            if client.json { return Console.printJSON(response.body) }
            Console.line("Destroyed machine \(id).")
        }
    }
}

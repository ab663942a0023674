import ArgumentParser
import TarmacClient
import TarmacModel

/// `tarmac machine signal ID SIG`.
struct MachineSignalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "signal", abstract: "Send a signal to a machine's main process.", aliases: ["kill"])

    @Argument(help: "Machine ID.")
    var id: String

    @Argument(help: "Signal name or number: SIGTERM, TERM, 15, SIGHUP, SIGUSR1 …")
    var signal: String

    @OptionGroup var lease: LeaseNonceOption
    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func validate() throws { _ = try ArgumentParsing.signal(signal) }

    func run() async throws {
        let appName = try app.resolvedApp()
        let parsed = try ArgumentParsing.signal(signal)
        try await client.withClient { api in
            let response = try await api.send(.signalMachine(app: appName, id: id, signal: parsed, nonce: lease.leaseNonce))
            if client.json { return Console.printJSON(response.body) }
            Console.line("Sent \(parsed.name) to machine \(id).")
        }
    }
}

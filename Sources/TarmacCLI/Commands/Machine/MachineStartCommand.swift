import ArgumentParser
import TarmacClient
import TarmacModel

/// `tarmac machine start ID`.
struct MachineStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a stopped, suspended or created machine and wait until it is started.")

    @Argument(help: "Machine ID.")
    var id: String

    @OptionGroup var wait: WaitFlags
    @OptionGroup var lease: LeaseNonceOption
    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let appName = try app.resolvedApp()
        let timeout = try wait.timeout()
        try await client.withClient { api in
            let response = try await api.send(.startMachine(app: appName, id: id, nonce: lease.leaseNonce))
            if !wait.detach {
                _ = try await MachineWaiter(client: api, app: appName).wait(
                    id: id, states: ["started"], timeout: timeout, message: "waiting for machine \(id) to start")
            }
            if client.json { return Console.printJSON(response.body) }
            let previous = (try? response.decode(StartResponse.self))?.previousState
            Console.line(wait.detach
                ? "Start of machine \(id) requested" + (previous.map { " (was \($0))" } ?? "") + "."
                : "Machine \(id) started" + (previous.map { " (was \($0))" } ?? "") + ".")
        }
    }
}

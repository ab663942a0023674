import ArgumentParser
import TarmacClient

/// `tarmac machine suspend ID`.
struct MachineSuspendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "suspend", abstract: "Suspend a machine (snapshot its memory) and wait until it is suspended.")

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
            let response = try await api.send(.suspendMachine(app: appName, id: id, nonce: lease.leaseNonce))
            var finalState: String?
            if !wait.detach {
                // A machine that cannot be suspended is stopped instead.
                finalState = try await MachineWaiter(client: api, app: appName).wait(
                    id: id, states: ["suspended", "stopped"], timeout: timeout, message: "waiting for machine \(id) to suspend").state
            }
            if client.json { return Console.printJSON(response.body) }
            Console.line(finalState.map { "Machine \(id) is \($0)." } ?? "Suspend of machine \(id) requested.")
        }
    }
}

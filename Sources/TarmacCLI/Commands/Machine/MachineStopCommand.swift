import ArgumentParser
import TarmacClient
import TarmacModel

/// `tarmac machine stop ID [--signal SIG] [--timeout 10s]`.
struct MachineStopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop a machine and wait until it is stopped.")

    @Argument(help: "Machine ID.")
    var id: String

    @Option(name: [.short, .customLong("signal")], help: ArgumentHelp("Signal to stop with (default: the machine's stop signal, SIGINT unless configured).", valueName: "signal"))
    var signal: String?

    @Option(help: ArgumentHelp("Time to wait after the signal before killing (e.g. 10s; default: the machine's stop timeout).", valueName: "duration"))
    var timeout: String?

    @OptionGroup var wait: WaitFlags
    @OptionGroup var lease: LeaseNonceOption
    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func validate() throws { _ = try makeRequest() }

    func makeRequest() throws -> StopRequest {
        StopRequest(
            signal: try signal.map(ArgumentParsing.signal),
            timeout: try timeout.map { try ArgumentParsing.duration($0, flag: "--timeout") })
    }

    func run() async throws {
        let appName = try app.resolvedApp()
        let request = try makeRequest()
        // Leave room for the stop timeout itself before giving up on the wait.
        let waitTimeout = max(try wait.timeout(), (request.timeout?.duration ?? .zero) + .seconds(30))
        try await client.withClient { api in
            let response = try await api.send(.stopMachine(app: appName, id: id, request, nonce: lease.leaseNonce))
            if !wait.detach {
                _ = try await MachineWaiter(client: api, app: appName).wait(
                    id: id, states: ["stopped"], timeout: waitTimeout, message: "waiting for machine \(id) to stop")
            }
            if client.json { return Console.printJSON(response.body) }
            Console.line(wait.detach ? "Stop of machine \(id) requested." : "Machine \(id) stopped.")
        }
    }
}

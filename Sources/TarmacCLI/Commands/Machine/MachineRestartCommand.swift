import ArgumentParser
import TarmacClient
import TarmacModel

/// `tarmac machine restart ID [--signal SIG] [--timeout 10s] [--force-stop]`.
struct MachineRestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restart", abstract: "Restart a machine and wait until it is started again.")

    @Argument(help: "Machine ID.")
    var id: String

    @Option(name: [.short, .customLong("signal")], help: ArgumentHelp("Signal to stop with.", valueName: "signal"))
    var signal: String?

    @Option(help: ArgumentHelp("Time to wait after the signal before killing (e.g. 10s).", valueName: "duration"))
    var timeout: String?

    @Flag(help: "Kill the machine instead of stopping it gracefully.")
    var forceStop = false

    @OptionGroup var wait: WaitFlags
    @OptionGroup var lease: LeaseNonceOption
    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func validate() throws { _ = try makeOptions() }

    func makeOptions() throws -> RestartOptions {
        RestartOptions(
            signal: try signal.map(ArgumentParsing.signal)?.name,
            timeout: try timeout.map { try ArgumentParsing.duration($0, flag: "--timeout").description },
            forceStop: forceStop)
    }

    func run() async throws {
        let appName = try app.resolvedApp()
        let options = try makeOptions()
        let timeout = try wait.timeout()
        try await client.withClient { api in
            let response = try await api.send(.restartMachine(app: appName, id: id, options: options, nonce: lease.leaseNonce))
            if !wait.detach {
                _ = try await MachineWaiter(client: api, app: appName).wait(
                    id: id, states: ["started"], timeout: timeout, message: "waiting for machine \(id) to restart")
            }
            if client.json { return Console.printJSON(response.body) }
            Console.line(wait.detach ? "Restart of machine \(id) requested." : "Machine \(id) restarted.")
        }
    }
}

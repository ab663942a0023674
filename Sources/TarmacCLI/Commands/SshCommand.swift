import ArgumentParser
import TarmacClient
import TarmacModel

/// `tarmac ssh console -a APP [--machine ID]`, as flyctl spells it.
struct SshCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh",
        abstract: "Interactive sessions in machines (flyctl's spelling of `tarmac machine console`).",
        subcommands: [SshConsoleCommand.self])
}

struct SshConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Open an interactive shell in one of the app's started machines.",
        discussion: "Without --machine, picks the app's first started machine. Otherwise as `tarmac machine console`.")

    @Option(name: [.customShort("s"), .customLong("machine")], help: "Machine ID (default: the first started machine).")
    var machineID: String?

    @OptionGroup var console: ConsoleOptionGroup
    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let appName = try app.resolvedApp()
        var chosen = machineID
        if chosen == nil {
            try await client.withClient { api in
                var options = MachineListOptions()
                options.states = ["started"]
                guard let first = try await api.listMachines(app: appName, options: options).sorted(by: { $0.id < $1.id }).first else {
                    throw CLIError(message: "app \(appName) has no started machine", hint: "start one with `tarmac machine start ID -a \(appName)`")
                }
                chosen = first.id
            }
        }
        guard let chosen else { return }
        try await ConsoleRunner.run(app: appName, machineID: chosen, options: console, client: client)
    }
}

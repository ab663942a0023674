import ArgumentParser

/// `tarmac machine console ID [-C CMD] [-u USER]`: an interactive shell in a started machine.
struct MachineConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Open an interactive shell (or --command) on a terminal in a started machine.",
        discussion: """
            Works for containers and microVMs alike: the session runs on a new terminal inside \
            the machine, so editors, job control and Ctrl-C behave as over ssh. Your terminal is \
            in raw mode while it runs; window size changes are passed on. Exits with the remote \
            program's status (128+N when signal N ended it). Standard input may be a pipe: \
            `echo 'uname -a; exit' | tarmac machine console ID`. With --json, prints \
            {"exit_code","machine_id","signal"} at the end.
            """,
        aliases: ["ssh"])

    @Argument(help: "Machine ID.")
    var id: String

    @OptionGroup var console: ConsoleOptionGroup
    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await ConsoleRunner.run(app: try app.resolvedApp(), machineID: id, options: console, client: client)
    }
}

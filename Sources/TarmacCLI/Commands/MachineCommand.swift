import ArgumentParser

/// `tarmac machine …`: run and operate machines of an app.
struct MachineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "machine",
        abstract: "Run and operate machines.",
        discussion: "Every subcommand needs an app: pass -a/--app APP or set TARMAC_APP.",
        subcommands: [
            MachineRunCommand.self,
            MachineListCommand.self,
            MachineStatusCommand.self,
            MachineStartCommand.self,
            MachineStopCommand.self,
            MachineRestartCommand.self,
            MachineSuspendCommand.self,
            MachineSignalCommand.self,
            MachineExecCommand.self,
            MachineConsoleCommand.self,
            MachinePsCommand.self,
            MachineDestroyCommand.self,
            MachineWaitCommand.self,
            MachineCordonCommand.self,
            MachineUncordonCommand.self,
            MachineLeasesCommand.self,
        ],
        aliases: ["machines", "m"]
    )
}

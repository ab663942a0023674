import ArgumentParser

/// `tarmac`: the all-in-one binary (dev mode, later server/agent/proxy) and the CLI client.
public struct TarmacCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tarmac",
        abstract: "Tarmac: Fly-style machines on your own hardware.",
        subcommands: [
            DevCommand.self,
            ServerCommand.self,
            AgentCommand.self,
            AppsCommand.self,
            MachineCommand.self,
            EventsCommand.self,
            LogsCommand.self,
            SshCommand.self,
            PlatformCommand.self,
            HostsCommand.self,
            WebhooksCommand.self,
            ImageCommand.self,
            RegistryCommand.self,
            RuntimeShimCommand.self,
        ]
    )

    public init() {}
}

/// Entry point for the `tarmac` executable (keeps ArgumentParser out of the thin main).
public enum TarmacMain {
    public static func run() async {
        await TarmacCommand.main()
    }
}

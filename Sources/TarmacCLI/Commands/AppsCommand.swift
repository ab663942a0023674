import ArgumentParser

/// `tarmac apps …`: create, list and destroy apps.
struct AppsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apps",
        abstract: "Create, list and destroy apps.",
        subcommands: [AppsCreateCommand.self, AppsListCommand.self, AppsDestroyCommand.self]
    )
}

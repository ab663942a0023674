import ArgumentParser

/// `tarmac registry …`: logins for image registries.
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Log in to and out of image registries.",
        discussion: """
            Logins are stored in <data-dir>/registries.json (mode 0600) and used by \
            `tarmac image pull|push` and by machines whose image must be pulled.
            """,
        subcommands: [
            RegistryLoginCommand.self,
            RegistryLogoutCommand.self,
        ]
    )
}

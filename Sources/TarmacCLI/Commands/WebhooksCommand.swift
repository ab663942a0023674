import ArgumentParser

/// `tarmac webhooks …`: an app's webhooks and their delivery logs.
struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Send an app's machine events to HTTP endpoints, signed with HMAC-SHA256.",
        subcommands: [WebhooksCreateCommand.self, WebhooksListCommand.self, WebhooksDeleteCommand.self, WebhooksDeliveriesCommand.self, WebhooksEnableCommand.self]
    )
}

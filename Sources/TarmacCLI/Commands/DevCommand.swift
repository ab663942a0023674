import ArgumentParser
import Foundation
import Logging
import TarmacWebhooks

/// `tarmac dev`: API server, control plane and one host agent in one process, on SQLite.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run Tarmac on this machine: API, control plane and a host agent in one process.",
        discussion: """
            Needs root (runc, mounts, network namespaces). State lives in --data-dir; the admin token \
            is TARMAC_API_TOKEN or, when unset, generated once into <data-dir>/admin-token (mode 0600).
            """)

    @OptionGroup var host: HostOptions

    @Option(name: .long, help: "Address the API listens on, host:port.")
    var apiListen: String = "127.0.0.1:4280"

    @Option(name: .long, help: "Region this host serves.")
    var region: String = "local"

    @Option(name: .long, help: "Delay before the first retry of a failed webhook delivery, in milliseconds (doubling, with jitter, up to 5 minutes).")
    var webhookRetryBaseMs: Int = 1000

    @Option(name: .long, help: "Failed webhook deliveries in a row after which the webhook is disabled.")
    var webhookMaxFailures: Int = 10

    func run() async throws {
        LoggingSystem.bootstrap(level: host.logLevel)
        var settings = try host.settings(apiListen: apiListen, region: region)
        guard webhookRetryBaseMs >= 1, webhookMaxFailures >= 1 else {
            throw ValidationError("--webhook-retry-base-ms and --webhook-max-failures must be at least 1")
        }
        settings.webhooks.backoff.base = .milliseconds(webhookRetryBaseMs)
        settings.webhooks.maximumConsecutiveFailures = webhookMaxFailures
        try await DevServer(settings: settings, logger: Logger(label: "tarmac")).run()
    }
}

enum RuntimeChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, container, microvm
}

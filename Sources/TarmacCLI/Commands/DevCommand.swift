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

    @Option(name: .long, help: "Where Tarmac keeps its state (default: $TARMAC_DATA_DIR or ~/.tarmac).")
    var dataDir: String?

    @Option(name: .long, help: "Address the API listens on, host:port.")
    var apiListen: String = "127.0.0.1:4280"

    @Option(name: .long, help: "Region this host serves.")
    var region: String = "local"

    @Option(name: .long, help: "Machine runtime: auto, container or microvm.")
    var runtime: RuntimeChoice = .auto

    @Option(name: .long, help: "Guest kernel and initramfs for the microvm runtime (built by scripts/build-guest.sh).")
    var guestDir: String = "/var/lib/tarmac/guest"

    @Option(name: .long, help: "Private IPv4 subnet for machines on this host.")
    var subnet: String = "172.30.0.0/16"

    @Option(name: .long, help: "Host bridge the machines are attached to.")
    var bridge: String = "tarmac0"

    @Option(name: .long, help: ArgumentHelp("Prefix of host-global resource names (netns, cgroups); lets several instances share a host.", visibility: .hidden))
    var resourcePrefix: String = "tarmac"

    @Option(name: .long, help: "A registry (HOST:PORT) reached over plain HTTP although not on loopback; repeatable.")
    var insecureRegistry: [String] = []

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    @Option(name: .long, help: "Delay before the first retry of a failed webhook delivery, in milliseconds (doubling, with jitter, up to 5 minutes).")
    var webhookRetryBaseMs: Int = 1000

    @Option(name: .long, help: "Failed webhook deliveries in a row after which the webhook is disabled.")
    var webhookMaxFailures: Int = 10

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var settings = try DevSettings(
            dataDirectory: dataDir ?? DevSettings.defaultDataDirectory(), apiListen: apiListen, region: region,
            runtime: runtime, subnet: subnet, bridge: bridge, resourcePrefix: resourcePrefix, insecureRegistries: insecureRegistry,
            guestDirectory: guestDir)
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

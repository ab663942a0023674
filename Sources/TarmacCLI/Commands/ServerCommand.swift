import ArgumentParser
import Foundation
import Logging
import TarmacWebhooks

/// `tarmac server`: the control plane alone; host agents dial it (`tarmac agent --server`).
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the control plane (API, store, placement) without a local agent; host agents dial in.",
        discussion: """
            Agents connect to --agent-listen with the agent token (TARMAC_AGENT_TOKEN or, when unset, \
            generated once into <data-dir>/agent-token). The admin token for the API is TARMAC_API_TOKEN or \
            <data-dir>/admin-token, as with tarmac dev.
            """)

    @Option(name: .long, help: "Where the server keeps its state (default: $TARMAC_DATA_DIR or ~/.tarmac).")
    var dataDir: String?

    @Option(name: .long, help: "Address the API listens on, host:port.")
    var apiListen: String = "127.0.0.1:4280"

    @Option(name: .long, help: "Address host agents connect to, host:port.")
    var agentListen: String = "0.0.0.0:4281"

    @Option(name: .long, help: "Region used when a request names none.")
    var defaultRegion: String = "local"

    @Option(name: .long, help: "Seconds between tunnel heartbeats; an agent silent for three is unreachable.")
    var heartbeatSeconds: Int = 5

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    @Option(name: .long, help: "Delay before the first retry of a failed webhook delivery, in milliseconds.")
    var webhookRetryBaseMs: Int = 1000

    @Option(name: .long, help: "Failed webhook deliveries in a row after which the webhook is disabled.")
    var webhookMaxFailures: Int = 10

    func run() async throws {
        LoggingSystem.bootstrap(level: logLevel)
        guard (1...300).contains(heartbeatSeconds) else { throw ValidationError("--heartbeat-seconds must be between 1 and 300") }
        guard webhookRetryBaseMs >= 1, webhookMaxFailures >= 1 else {
            throw ValidationError("--webhook-retry-base-ms and --webhook-max-failures must be at least 1")
        }
        var webhooks = WebhookDispatcher.Configuration()
        webhooks.backoff.base = .milliseconds(webhookRetryBaseMs)
        webhooks.maximumConsecutiveFailures = webhookMaxFailures
        let settings = ClusterServer.Settings(
            dataDirectory: URL(fileURLWithPath: dataDir ?? DevSettings.defaultDataDirectory()).standardizedFileURL.path,
            api: try ListenAddress(apiListen, option: "--api-listen"), agents: try ListenAddress(agentListen, option: "--agent-listen"),
            defaultRegion: try RegionName.validated(defaultRegion, option: "--default-region"),
            heartbeat: .seconds(heartbeatSeconds), webhooks: webhooks)
        try await ClusterServer(settings: settings, logger: Logger(label: "tarmac")).run()
    }
}

/// A `host:port` to listen on.
struct ListenAddress: Sendable, Hashable {
    var host: String
    var port: Int

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    init(_ text: String, option: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw DevError("\(option) must be host:port, e.g. 127.0.0.1:4280 (got \"\(text)\")")
        }
        host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        self.port = port
    }

    var url: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
}

/// Region codes as hosts and requests spell them.
enum RegionName {
    static func validated(_ region: String, option: String) throws -> String {
        guard (1...16).contains(region.count), region.allSatisfy({ ($0.isLowercase && $0.isASCII) || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw DevError("\(option) must be 1-16 lowercase letters, digits, dashes or underscores (got \"\(region)\")")
        }
        return region
    }
}

extension LoggingSystem {
    /// Standard error at `level` (info when unknown).
    static func bootstrap(level: String) {
        let level = Logger.Level(rawValue: level) ?? .info
        bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

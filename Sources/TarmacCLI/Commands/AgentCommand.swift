import ArgumentParser
import Foundation
import Logging

/// `tarmac agent --server URL --region R`: a host agent in its own process, dialling the
/// control plane (so hosts behind NAT work).
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run a host agent that dials a control plane (tarmac server) and runs its machines.",
        discussion: """
            Needs root. The agent token is --token-file's content or TARMAC_AGENT_TOKEN (the server prints \
            where its token is). Machines keep running, restarting and being health-checked while the \
            control plane is away; the agent reconnects and resynchronises by itself.
            """)

    @Option(name: .long, help: "The control plane's agent listener, e.g. http://10.0.0.1:4281.")
    var server: String

    @Option(name: .long, help: "Region this host serves.")
    var region: String

    @Option(name: .long, help: "A file holding the agent token (default: $TARMAC_AGENT_TOKEN).")
    var tokenFile: String?

    @OptionGroup var host: HostOptions

    @Option(name: .long, help: "CPUs offered to machines (default: the host's).")
    var cpus: Int?

    @Option(name: .long, help: "Memory offered to machines, in MB (default: the host's).")
    var memoryMb: Int?

    @Option(name: .long, help: "How many times its memory the host lets machines reserve.")
    var memoryOvercommit: Double = 1

    func run() async throws {
        LoggingSystem.bootstrap(level: host.logLevel)
        guard server.hasPrefix("http://") || server.hasPrefix("https://"), URL(string: server)?.host != nil else {
            throw ValidationError("--server must be the server's agent listener URL, e.g. http://10.0.0.1:4281 (got \"\(server)\")")
        }
        if let cpus, cpus < 1 { throw ValidationError("--cpus must be at least 1") }
        if let memoryMb, memoryMb < 64 { throw ValidationError("--memory-mb must be at least 64") }
        guard (1...64).contains(memoryOvercommit) else { throw ValidationError("--memory-overcommit must be between 1 and 64") }
        let token = try Self.token(file: tokenFile)
        let dev = try host.settings(apiListen: "127.0.0.1:1", region: try RegionName.validated(region, option: "--region"))
        let settings = ClusterAgent.Settings(
            host: dev.agentHost, serverURL: server.hasSuffix("/") ? String(server.dropLast()) : server, token: token,
            cpus: cpus, memoryMB: memoryMb, memoryOvercommit: memoryOvercommit)
        try await ClusterAgent(settings: settings, logger: Logger(label: "tarmac-agent")).run()
    }

    static func token(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ValidationError("--token-file \(file) cannot be read")
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw ValidationError("--token-file \(file) is empty") }
            return token
        }
        guard let token = environment["TARMAC_AGENT_TOKEN"], !token.isEmpty else {
            throw ValidationError("the agent needs the server's agent token: --token-file FILE or TARMAC_AGENT_TOKEN (tarmac server prints where it is)")
        }
        return token
    }
}

import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import TarmacAgentProtocol
import TarmacAgentWire
import TarmacControl
import TarmacMetrics
import TarmacWebhooks
import UnixSignals

/// The composition root of `tarmac server`: the control plane, its API, and the listener
/// host agents dial (`AgentTunnelRouter`), one ServiceGroup.
struct ClusterServer {
    struct Settings: Sendable {
        var dataDirectory: String
        var api: ListenAddress
        var agents: ListenAddress
        var defaultRegion: String
        var heartbeat: Duration
        var webhooks: WebhookDispatcher.Configuration
    }

    let settings: Settings
    let logger: Logger

    func run() async throws {
        let metricsRegistry = TarmacMetrics.bootstrap()
        let root = settings.dataDirectory
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let adminToken = try AdminToken.load(file: root + "/admin-token")
        let agentToken = try AdminToken.load(file: root + "/agent-token", variable: "TARMAC_AGENT_TOKEN", prefix: "ta_")
        let plane = try await ControlPlane.make(dataDirectory: root, defaultRegion: settings.defaultRegion, hosts: [], logger: logger)
        let control = plane.control
        let hooks = AgentTunnelRouter.Hooks(
            connected: { registration, tunnel in
                let session = try await control.hostConnected(registration, api: HTTPAgentClient(transport: tunnel, token: nil))
                return { reason in control.hostDisconnected(hostID: registration.hostID, session: session, reason: reason) }
            })
        let agents = Application(
            router: AgentTunnelRouter.make(token: AgentToken(agentToken.token), heartbeat: settings.heartbeat, hooks: hooks, logger: logger),
            configuration: .init(address: .hostname(settings.agents.host, port: settings.agents.port), serverName: "tarmac-server"),
            logger: logger)
        let api = plane.api(
            host: settings.api.host, port: settings.api.port, token: adminToken.token, metrics: { metricsRegistry.emitToString() },
            onRunning: { announce(admin: adminToken, agent: agentToken) }, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: AgentSync(control: control)),
                    .init(service: plane.webhooks(settings.webhooks, logger: logger)),
                    .init(service: agents),
                    .init(service: api),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }

    func announce(admin: AdminToken.Loaded, agent: AdminToken.Loaded) {
        let lines = [
            "Tarmac server is running.",
            "  API:       \(settings.api.url)/v1",
            "  agents:    \(settings.agents.url) (tarmac agent --server \(settings.agents.url) --region R)",
            "  data dir:  \(settings.dataDirectory)",
            "  default region: \(settings.defaultRegion)",
            admin.describe(file: settings.dataDirectory + "/admin-token"),
            agent.describe(file: settings.dataDirectory + "/agent-token", label: "agent token", variable: "TARMAC_AGENT_TOKEN"),
        ]
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}

import AsyncHTTPClient
import Foundation
import TarmacAgent
import Logging
import ServiceLifecycle
import TarmacAgentProtocol
import TarmacControl
import TarmacMetrics
import UnixSignals

/// The composition root of `tarmac dev`: a host agent and the control plane in one
/// process, one ServiceGroup, talking over the agent's unix socket.
struct DevServer {
    let settings: DevSettings
    let logger: Logger

    func run() async throws {
        guard geteuid() == 0 else {
            throw DevError("tarmac dev must run as root: it drives runc, mounts overlay file systems and creates network namespaces (try: sudo tarmac dev)")
        }
        let metricsRegistry = TarmacMetrics.bootstrap()
        let root = settings.dataDirectory
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let token = try AdminToken.load(file: settings.tokenFile)
        let host = try await AgentHost.make(settings: settings.agentHost, logger: logger)
        do {
            // A dev host's machines' memory is a limit they rarely fill: overcommit it 4×.
            let capacity = AgentHost.capacity(dataDirectory: root, cpus: nil, memoryMB: nil, memoryOvercommit: 4)
            let plane = try await ControlPlane.make(
                dataDirectory: root, defaultRegion: settings.region,
                hosts: [Control.Host(id: host.agent.hostID, region: settings.region, runtime: host.runtime, api: host.client, capacity: capacity)],
                logger: logger)
            let metrics = MetricsExport(registry: metricsRegistry, agent: host.agent)
            let api = plane.api(
                host: settings.apiHost, port: settings.apiPort, token: token.token, metrics: { await metrics.render() },
                onRunning: { announce(token: token, runtime: host.runtime, reason: host.runtimeReason) }, logger: logger)
            let group = ServiceGroup(
                configuration: .init(
                    services: [
                        .init(service: HTTPClientService(client: host.registryHTTP)),
                        .init(service: host.agent),
                        .init(service: host.server),
                        .init(service: AgentSync(control: plane.control)),
                        .init(service: plane.webhooks(settings.webhooks, logger: logger)),
                        .init(service: api),
                    ],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger))
            try await group.run()
        } catch {
            try? await host.registryHTTP.shutdown()
            throw error
        }
    }

    func announce(token: AdminToken.Loaded, runtime: String, reason: String) {
        var lines = [
            "Tarmac dev is running.",
            "  API:       \(settings.apiURL)/v1",
            "  runtime:   \(runtime) (\(reason))",
            "  data dir:  \(settings.dataDirectory)",
        ]
        lines.append(token.describe(file: settings.tokenFile))
        lines.append("  try:       tarmac apps create my-app && tarmac machine run <image> -a my-app")
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}

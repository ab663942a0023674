import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle
import TarmacAgent
import TarmacAgentProtocol
import TarmacAgentWire
import UnixSignals

/// The composition root of `tarmac agent`: a host agent and its uplink to the control
/// plane, one ServiceGroup.
struct ClusterAgent {
    struct Settings: Sendable {
        var host: AgentHost.Settings
        var serverURL: String
        var token: String
        var cpus: Int?
        var memoryMB: Int?
        var memoryOvercommit: Double
    }

    static let version = "0.11.0"

    let settings: Settings
    let logger: Logger

    func run() async throws {
        let host = try await AgentHost.make(settings: settings.host, logger: logger)
        let registration = AgentRegistration(
            hostID: host.agent.hostID, region: settings.host.region, runtime: host.runtime, runtimeReason: host.runtimeReason,
            capacity: AgentHost.capacity(dataDirectory: settings.host.dataDirectory, cpus: settings.cpus, memoryMB: settings.memoryMB, memoryOvercommit: settings.memoryOvercommit),
            features: host.runtime == "microvm" ? ["console", "suspend"] : ["console"], agentVersion: Self.version)
        let uplink = AgentUplink(
            configuration: .init(
                serverURL: settings.serverURL, token: AgentToken(settings.token), registration: registration,
                local: .unixSocket(path: settings.host.agentSocket), localToken: host.token),
            logger: logger)
        logger.info("host agent starting", metadata: ["host_id": "\(registration.hostID)", "region": "\(registration.region)", "server": "\(settings.serverURL)"])
        do {
            let group = ServiceGroup(
                configuration: .init(
                    services: [
                        .init(service: HTTPClientService(client: host.registryHTTP)),
                        .init(service: host.agent),
                        .init(service: host.server),
                        .init(service: uplink),
                    ],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger))
            try await group.run()
        } catch {
            try? await host.registryHTTP.shutdown()
            throw error
        }
    }
}

import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import TarmacAgentProtocol
import TarmacAgentWire

/// An agent behind a real tunnel: its router on a unix socket (with its own local token), a
/// real tunnel listener (`AgentTunnelRouter`) on loopback TCP, and a real `AgentUplink`
/// dialling it. `body` gets the tunnels as they connect.
enum TunnelHarness {
    static let clusterToken = AgentToken("cluster-token-0123456789")
    static let localToken = AgentToken("local-token-9876543210")

    static let registration = AgentRegistration(
        hostID: "host-test0001", region: "ams", runtime: "container", runtimeReason: "test",
        capacity: HostCapacity(cpus: 4, memoryMB: 8192, diskMB: 100_000), features: ["console"], agentVersion: "test")

    /// The tunnels the listener accepted, in order, and the reasons those that ended closed.
    final class Tunnels: Sendable {
        let accepted: AsyncStream<AgentTunnel>
        let continuation: AsyncStream<AgentTunnel>.Continuation
        let ends = Mutex<[String]>([])
        let registrations = Mutex<[AgentRegistration]>([])
        let port: Int

        init(port: Int) {
            (accepted, continuation) = AsyncStream.makeStream(of: AgentTunnel.self)
            self.port = port
        }

        /// The next tunnel to connect (throws after `timeout`).
        func next(timeout: Duration = .seconds(10)) async throws -> AgentTunnel {
            try await withThrowingTaskGroup(of: AgentTunnel?.self) { group in
                group.addTask {
                    for await tunnel in self.accepted { return tunnel }
                    return nil
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let tunnel = try await group.next() ?? nil else { throw HarnessError("no tunnel connected within \(timeout)") }
                return tunnel
            }
        }
    }

    static func withTunnel<T: Sendable>(
        agent: some AgentAPI, heartbeat: Duration = .seconds(1), registration: AgentRegistration = registration,
        uplinkToken: AgentToken = clusterToken, _ body: @Sendable (_ tunnels: Tunnels) async throws -> T
    ) async throws -> T {
        try await WireHarness.withRouter(AgentRouter.make(agent: agent, token: localToken)) { socket, _ in
            let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
            let box = Mutex<Tunnels?>(nil)
            let hooks = AgentTunnelRouter.Hooks(
                    connected: { registration, tunnel in
                    let tunnels = box.withLock { $0 }
                    tunnels?.registrations.withLock { $0.append(registration) }
                    tunnels?.continuation.yield(tunnel)
                    return { reason in tunnels?.ends.withLock { $0.append(reason) } }
                })
            let server = Application(
                router: AgentTunnelRouter.make(token: clusterToken, heartbeat: heartbeat, hooks: hooks, logger: WireHarness.logger),
                configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "tarmac-server-test"),
                onServerRunning: { channel in
                    portContinuation.yield(channel.localAddress?.port ?? 0)
                    portContinuation.finish()
                },
                logger: WireHarness.logger)
            let serverGroup = ServiceGroup(configuration: .init(services: [server], logger: WireHarness.logger))
            return try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await serverGroup.run() }
                var port = 0
                for await value in ports { port = value }
                let tunnels = Tunnels(port: port)
                box.withLock { $0 = tunnels }
                var configuration = AgentUplink.Configuration(
                    serverURL: "http://127.0.0.1:\(port)", token: uplinkToken, registration: registration,
                    local: .unixSocket(path: socket), localToken: localToken)
                configuration.backoff = .milliseconds(100)
                configuration.maximumBackoff = .milliseconds(400)
                let uplinkGroup = ServiceGroup(configuration: .init(services: [AgentUplink(configuration: configuration, logger: WireHarness.logger)], logger: WireHarness.logger))
                tasks.addTask { try await uplinkGroup.run() }
                let result: Result<T, any Error>
                do {
                    result = .success(try await body(tunnels))
                } catch {
                    result = .failure(error)
                }
                await uplinkGroup.triggerGracefulShutdown()
                await serverGroup.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return try result.get()
            }
        }
    }
}

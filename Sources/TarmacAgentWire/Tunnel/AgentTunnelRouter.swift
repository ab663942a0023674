import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import TarmacAgentProtocol

/// The control plane's listener for agents that dial it (`tarmac server --agent-listen`):
/// `POST /agent-tunnel/v1/connect` with the agent token, the protocol version and the
/// registration (base64 JSON in a header). An accepted agent gets `200` and a response body
/// that stays open: the tunnel (`AgentTunnel`) the control plane sends its requests down.
public enum AgentTunnelRouter {
    public static let connectPath = "/agent-tunnel/v1/connect"
    public static let registrationHeader = "tarmac-agent-registration"

    /// What the composition root does with tunnels.
    public struct Hooks: Sendable {
        /// The tunnel is up: the host can be used through it. Answers what to do when the
        /// tunnel ends (called with why), or throws to close it at once.
        public var connected: @Sendable (AgentRegistration, AgentTunnel) async throws -> @Sendable (String) -> Void

        public init(connected: @escaping @Sendable (AgentRegistration, AgentTunnel) async throws -> @Sendable (String) -> Void) {
            self.connected = connected
        }
    }

    public static func make(token: AgentToken, heartbeat: Duration, hooks: Hooks, logger: Logger) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: AgentErrorMiddleware())
        router.add(middleware: AgentGuardMiddleware(token: token))
        router.post(RouterPath(connectPath)) { request, _ in
            let registration = try registration(request)
            let problems = registration.problems
            guard problems.isEmpty else {
                throw AgentError(.invalidArgument, "the agent's registration is refused: " + problems.joined(separator: "; "))
            }
            let tunnelLogger = {
                var tunnelLogger = logger
                tunnelLogger[metadataKey: "host_id"] = .string(registration.hostID)
                return tunnelLogger
            }()
            let tunnel = AgentTunnel(heartbeat: heartbeat, logger: tunnelLogger)
            let inbound = request.body
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: ResponseBody { writer in
                let ended: @Sendable (String) -> Void
                do {
                    ended = try await hooks.connected(registration, tunnel)
                } catch {
                    tunnelLogger.error("could not take the agent's tunnel", metadata: ["error": "\(error)"])
                    try? await writer.finish(nil)
                    return
                }
                do {
                    // The tunnel never ends by itself: a graceful shutdown closes it (the
                    // agent reconnects to whichever server comes up).
                    try await withGracefulShutdownHandler {
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask { await tunnel.serve(inbound: inbound) }
                            for await frame in tunnel.outbound { try await writer.write(frame) }
                            group.cancelAll()
                        }
                    } onGracefulShutdown: {
                        tunnel.close("the control plane is shutting down")
                    }
                } catch {
                    tunnel.close("writing to the agent failed: \(error)")
                }
                tunnel.close("the tunnel ended")
                ended(tunnel.closedReason ?? "the tunnel ended")
                try? await writer.finish(nil)
            })
        }
        return router
    }

    static func registration(_ request: Request) throws -> AgentRegistration {
        guard let name = HTTPField.Name(registrationHeader), let value = request.headers[name], let data = Data(base64Encoded: value) else {
            throw AgentError(.invalidArgument, "a connecting agent must send its registration in the \(registrationHeader) header (base64 JSON)")
        }
        do {
            return try JSONDecoder().decode(AgentRegistration.self, from: data)
        } catch {
            throw AgentError(.invalidArgument, "the agent's registration is not readable: \(error)")
        }
    }
}

import Foundation
import Hummingbird
import ServiceLifecycle
import TarmacAgentProtocol
import TarmacModel

/// The agent's HTTP interface (`/agent/v1`), served on a unix socket in `tarmac dev` and on
/// TCP for a remote agent. It is a thin mapping onto `AgentAPI`.
public enum AgentRouter {
    public static func make(agent: some AgentAPI) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: AgentErrorMiddleware())
        router.get("/agent/v1/info") { _, _ in try json(await agent.info()) }
        router.post("/agent/v1/images/resolve") { request, context in
            let body = try await request.decode(as: ImageResolveRequest.self, context: context)
            return try json(await agent.resolveImage(body.reference))
        }
        router.get("/agent/v1/machines") { _, _ in try json(await agent.machines()) }
        router.put("/agent/v1/machines/:id") { request, context in
            let spec = try await request.decode(as: AgentMachineSpec.self, context: context)
            let launch = request.uri.queryParameters.get("launch") == "true"
            return try json(await agent.apply(spec, launch: launch))
        }
        router.post("/agent/v1/machines/:id/command") { request, context in
            let id = try context.parameters.require("id")
            let command = try await request.decode(as: AgentCommand.self, context: context)
            return try json(await agent.command(id, command))
        }
        router.post("/agent/v1/machines/:id/exec") { request, context in
            let id = try context.parameters.require("id")
            let body = try await request.decode(as: AgentExecRequest.self, context: context)
            return try json(await agent.exec(id, body))
        }
        router.get("/agent/v1/updates") { request, _ in
            let after = request.uri.queryParameters.get("after").flatMap(Int64.init) ?? 0
            let timeout = min(request.uri.queryParameters.get("timeout").flatMap(Int.init) ?? 25, 60)
            // A long-poll must not hold up the server's graceful shutdown.
            let updates = try await cancelWhenGracefulShutdown { try await agent.updates(after: after, timeout: .seconds(timeout)) }
            return try json(AgentUpdatesResponse(updates: updates))
        }
        router.post("/agent/v1/updates/ack") { request, _ in
            let upTo = request.uri.queryParameters.get("seq").flatMap(Int64.init) ?? 0
            try await agent.acknowledge(upTo: upTo)
            return Response(status: .noContent)
        }
        return router
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder().encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Turns `AgentError` into `{kind, message}` JSON with a fitting status.
struct AgentErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as AgentError {
            let status: HTTPResponse.Status = switch error.kind {
            case .notFound, .imageNotFound: .notFound
            case .invalidState: .conflict
            case .invalidArgument: .unprocessableContent
            case .unsupported: .notImplemented
            case .unavailable: .serviceUnavailable
            case .internalError: .internalServerError
            }
            return try AgentRouter.json(error, status: status)
        } catch let error as DecodingError {
            return try AgentRouter.json(AgentError(.invalidArgument, "invalid request body: \(error)"), status: .badRequest)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            return try AgentRouter.json(AgentError(.internalError, "\(error)"), status: .internalServerError)
        }
    }
}

import HTTPTypes
import Hummingbird
import TarmacAgentProtocol

/// The one place where errors become the agent's HTTP responses: `AgentError` and
/// `AgentWireError` as `{kind, message}` JSON with a fitting status. It also stamps this
/// side's `tarmac-agent-protocol` version on every response, errors included.
struct AgentErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try Self.response(for: error, request: request, context: context)
        }
        if let field = AgentWireVersion.field { response.headers[field] = AgentWireVersion.current }
        return response
    }

    static func response(for error: any Error, request: Request, context: Context) throws -> Response {
        switch error {
        case let error as AgentError:
            return try AgentRouter.json(error, status: status(for: error.kind))
        case let error as AgentWireError:
            var response = try AgentRouter.json(AgentWireError.Body(kind: error.code.rawValue, message: error.message), status: status(for: error.code))
            if error.code == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        case let error as DecodingError:
            return try AgentRouter.json(AgentError(.invalidArgument, "invalid request body: \(error)"), status: .badRequest)
        case is CancellationError:
            // A long-poll cut short by the server's graceful shutdown.
            return try AgentRouter.json(AgentError(.unavailable, "the host agent is shutting down"), status: .serviceUnavailable)
        case let error as any HTTPResponseError:
            // Not an `AgentError` on purpose (no route, body too large): a client must never
            // read a missing route as a missing machine.
            return try error.response(from: request, context: context)
        default:
            return try AgentRouter.json(AgentError(.internalError, "\(error)"), status: .internalServerError)
        }
    }

    static func status(for kind: AgentError.Kind) -> HTTPResponse.Status {
        switch kind {
        case .notFound, .imageNotFound: .notFound
        case .invalidState: .conflict
        case .invalidArgument: .unprocessableContent
        case .unsupported: .notImplemented
        case .unavailable: .serviceUnavailable
        case .internalError: .internalServerError
        }
    }

    static func status(for code: AgentWireError.Code) -> HTTPResponse.Status {
        switch code {
        case .incompatibleProtocol: .upgradeRequired
        case .unauthorized: .unauthorized
        default: .badRequest
        }
    }
}

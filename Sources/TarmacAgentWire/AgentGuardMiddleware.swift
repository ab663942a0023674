import HTTPTypes
import Hummingbird

/// Lets a request through only when it speaks this side's protocol major version and, when
/// the agent has a token, presents it as `authorization: Bearer <token>`.
struct AgentGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: AgentToken?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try Self.checkVersion(AgentWireVersion.field.flatMap { request.headers[$0] })
        if let token {
            try Self.checkAuthorization(request.headers[.authorization], token: token)
        }
        return try await next(request, context)
    }

    static func checkVersion(_ value: String?) throws {
        let ours = "this agent speaks \(AgentWireVersion.headerName) \(AgentWireVersion.current)"
        switch AgentWireVersion.check(value) {
        case .compatible:
            return
        case .missing:
            throw AgentWireError(.missingProtocolVersion, "the request has no \(AgentWireVersion.headerName) header (\(ours)); upgrade the control plane")
        case .malformed(let value):
            throw AgentWireError(.missingProtocolVersion, "the request's \(AgentWireVersion.headerName) header \"\(value)\" is not <major>[.<minor>] (\(ours))")
        case .incompatible(let major):
            throw AgentWireError(.incompatibleProtocol, "the control plane speaks \(AgentWireVersion.headerName) \(major), \(ours): upgrade the older side")
        }
    }

    static func checkAuthorization(_ value: String?, token: AgentToken) throws {
        let scheme = "bearer "
        guard let value, value.count > scheme.count, value.prefix(scheme.count).lowercased() == scheme,
              token.matches(String(value.dropFirst(scheme.count)))
        else {
            throw AgentWireError(.unauthorized, "the request has no or a wrong agent token (authorization: Bearer <token>)")
        }
    }
}

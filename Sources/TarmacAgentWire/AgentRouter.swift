import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import TarmacAgentProtocol
import TarmacModel

/// The agent's side of the wire (`/agent/v1`), served on a unix socket in `tarmac dev` and
/// on TCP for a remote agent: a thin mapping of `AgentRoute` onto `AgentAPI`. Every request
/// must carry a compatible `tarmac-agent-protocol` header and, when a token is configured,
/// `authorization: Bearer <token>`; every response carries this side's protocol version.
public enum AgentRouter {
    /// The longest long-poll a caller may ask `updates` for, and the default.
    static let maximumPollSeconds = 60
    static let defaultPollSeconds = 25

    public static func make(agent: some AgentAPI, token: AgentToken?) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: AgentErrorMiddleware())
        router.add(middleware: AgentGuardMiddleware(token: token))
        for route in AgentRoute.allCases {
            router.on(RouterPath(route.template), method: route.method) { request, context in
                try await handle(route, request: request, context: context, agent: agent)
            }
        }
        return router
    }

    static func handle(_ route: AgentRoute, request: Request, context: BasicRequestContext, agent: some AgentAPI) async throws -> Response {
        let query = request.uri.queryParameters
        switch route {
        case .info:
            return try json(await agent.info())
        case .resolveImage:
            let resolve = try await body(ImageResolveRequest.self, of: request, context: context)
            return try json(await agent.resolveImage(resolve.reference))
        case .apply:
            let id = try machineID(context)
            let spec = try await body(AgentMachineSpec.self, of: request, context: context)
            guard spec.machineID == id else {
                throw AgentError(.invalidArgument, "the spec is for machine \(spec.machineID), the path names \(id)")
            }
            let launch = query.get(AgentRoute.Query.launch) == "true"
            return try json(await agent.apply(spec, launch: launch))
        case .command:
            let id = try machineID(context)
            let command = try await body(AgentCommand.self, of: request, context: context)
            return try json(await agent.command(id, command))
        case .exec:
            let id = try machineID(context)
            let exec = try await body(AgentExecRequest.self, of: request, context: context)
            return try json(await agent.exec(id, exec))
        case .processes:
            return try json(await agent.processes(try machineID(context)))
        case .console:
            return try await console(request, context: context, agent: agent)
        case .logs:
            return try json(await agent.logs(try await body(AgentLogsRequest.self, of: request, context: context)))
        case .machines:
            return try json(await agent.machines())
        case .updates:
            let after = try integer(query.get(AgentRoute.Query.after), named: AgentRoute.Query.after) ?? 0
            let seconds = try integer(query.get(AgentRoute.Query.timeout), named: AgentRoute.Query.timeout).map { Int($0) } ?? defaultPollSeconds
            let timeout = min(max(seconds, 0), maximumPollSeconds)
            // A long-poll must not hold up the server's graceful shutdown.
            let updates = try await cancelWhenGracefulShutdown { try await agent.updates(after: after, timeout: .seconds(timeout)) }
            return try json(AgentUpdatesResponse(updates: updates))
        case .acknowledge:
            let upTo = try integer(query.get(AgentRoute.Query.sequence), named: AgentRoute.Query.sequence) ?? 0
            try await agent.acknowledge(upTo: upTo)
            return Response(status: .noContent)
        }
    }

    /// The JSON body, decoded here rather than by `Request.decode`, which turns a decoding
    /// failure into a bare `HTTPError`: this way it reaches the error mapping as what it is.
    static func body<Body: Decodable>(_ type: Body.Type, of request: Request, context: BasicRequestContext) async throws -> Body {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return try JSONDecoder().decode(type, from: Data(buffer.readableBytesView))
    }

    /// The machine ID path segment, percent-decoded (the router matches the raw path).
    static func machineID(_ context: BasicRequestContext) throws -> String {
        let raw = try context.parameters.require(AgentRoute.machineIDParameter)
        guard let id = raw.removingPercentEncoding, !id.isEmpty else {
            throw AgentError(.invalidArgument, "invalid machine ID in the path: \(raw)")
        }
        return id
    }

    static func integer(_ value: String?, named name: String) throws -> Int64? {
        guard let value else { return nil }
        guard let number = Int64(value) else {
            throw AgentError(.invalidArgument, "query parameter \(name) must be an integer, got \(value)")
        }
        return number
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder().encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

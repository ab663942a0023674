import Foundation
import HTTPTypes

/// The agent wire's route table: one entry per `AgentAPI` requirement, each with its method
/// and path template. `HTTPAgentClient` builds its requests from it and `AgentRouter`
/// registers its handlers from it, so a path cannot drift between the two sides.
public enum AgentRoute: String, CaseIterable, Sendable {
    case info
    case resolveImage
    case apply
    case command
    case exec
    case processes
    case console
    case logs
    case machines
    case updates
    case acknowledge

    /// Query parameter names, shared by both sides.
    public enum Query {
        /// `apply`: start the machine after applying its spec (`true`/`false`).
        public static let launch = "launch"
        /// `updates`: the sequence number the caller has seen.
        public static let after = "after"
        /// `updates`: long-poll timeout in whole seconds.
        public static let timeout = "timeout"
        /// `acknowledge`: the sequence number to drop updates up to.
        public static let sequence = "seq"
    }

    /// `console`: the `AgentConsoleRequest` as base64 JSON (the body is the keyboard stream).
    public static let consoleRequestHeader = "tarmac-console-request"


    /// The path parameter naming a machine, `:id` in the templates.
    public static let machineIDParameter = "id"

    public var method: HTTPRequest.Method {
        switch self {
        case .info, .machines, .updates, .processes: .get
        case .apply: .put
        case .resolveImage, .command, .exec, .console, .logs, .acknowledge: .post
        }
    }

    /// The path in the router's template syntax (`:id` for the machine ID).
    public var template: String {
        switch self {
        case .info: "/agent/v1/info"
        case .resolveImage: "/agent/v1/images/resolve"
        case .apply: "/agent/v1/machines/:id"
        case .command: "/agent/v1/machines/:id/command"
        case .exec: "/agent/v1/machines/:id/exec"
        case .processes: "/agent/v1/machines/:id/ps"
        case .console: "/agent/v1/machines/:id/console"
        case .logs: "/agent/v1/logs"
        case .machines: "/agent/v1/machines"
        case .updates: "/agent/v1/updates"
        case .acknowledge: "/agent/v1/updates/ack"
        }
    }

    /// The `AgentAPI` requirement the route carries, as Swift spells its name (`#function`).
    public var requirement: String {
        switch self {
        case .info: "info()"
        case .resolveImage: "resolveImage(_:)"
        case .apply: "apply(_:launch:)"
        case .command: "command(_:_:)"
        case .exec: "exec(_:_:)"
        case .processes: "processes(_:)"
        case .console: "openConsole(_:_:)"
        case .logs: "logs(_:)"
        case .machines: "machines()"
        case .updates: "updates(after:timeout:)"
        case .acknowledge: "acknowledge(upTo:)"
        }
    }

    /// Whether the template has a machine ID segment.
    public var takesMachineID: Bool { template.split(separator: "/").contains(":\(Self.machineIDParameter)") }

    /// The request path and query: the template with the machine ID percent-encoded into
    /// its segment, then the query items in order (values percent-encoded).
    public func path(machineID: String = "", query: [(String, String)] = []) -> String {
        let segments = template.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment == ":\(Self.machineIDParameter)" ? Self.encode(machineID) : String(segment)
        }
        let path = segments.joined(separator: "/")
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
    }

    /// Unreserved characters only (RFC 3986), so a value never splits a segment or a query.
    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

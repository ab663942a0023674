/// A request the agent's server refused before it reached `AgentAPI`: the wire itself was
/// wrong (protocol version, token). On the wire it is `{kind, message}` like `AgentError`,
/// with a kind `AgentError.Kind` does not have, so the client can tell the two apart.
public struct AgentWireError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// No or an unreadable `tarmac-agent-protocol` header.
        public static let missingProtocolVersion = Code(rawValue: "missing_protocol_version")
        /// A `tarmac-agent-protocol` major version this side does not speak.
        public static let incompatibleProtocol = Code(rawValue: "incompatible_protocol")
        /// No or a wrong `authorization: Bearer` token.
        public static let unauthorized = Code(rawValue: "unauthorized")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// The JSON every error response carries, `AgentError`'s and this type's alike.
    struct Body: Codable, Sendable {
        var kind: String
        var message: String
    }
}

/// The networking module's one error type.
public struct NetError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable { case invalidAddress, exhausted, missingTool, commandFailed, invalidName }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        /// A string that is not a valid IPv4 address or CIDR.
        public static let invalidAddress = Code(.invalidAddress)
        /// No free address is left in a subnet.
        public static let exhausted = Code(.exhausted)
        /// A host program (`ip`, `iptables`) is not installed.
        public static let missingTool = Code(.missingTool)
        /// A host program ran and failed.
        public static let commandFailed = Code(.commandFailed)
        /// A bridge, namespace or interface name the kernel would reject.
        public static let invalidName = Code(.invalidName)
        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// The runtime module's one error type.
public struct RuntimeError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable { case startFailed, notRunning, imageMissing, resources, unsupported, internalError }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        public static let startFailed = Code(.startFailed)
        public static let notRunning = Code(.notRunning)
        public static let imageMissing = Code(.imageMissing)
        public static let resources = Code(.resources)
        public static let unsupported = Code(.unsupported)
        public static let internalError = Code(.internalError)
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

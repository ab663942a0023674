/// The control plane's one error type. The API maps `code` to an HTTP status in one place.
public struct ControlError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case badRequest, unauthorized, forbidden, notFound, conflict, preconditionFailed, unprocessable
            case timeout, tooLarge, notImplemented, unavailable, internalError
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        /// Malformed request (400).
        public static let badRequest = Code(.badRequest)
        public static let unauthorized = Code(.unauthorized)
        public static let forbidden = Code(.forbidden)
        public static let notFound = Code(.notFound)
        /// Lease held, name taken, version mismatch, wrong state (409).
        public static let conflict = Code(.conflict)
        /// Metadata version mismatch (412).
        public static let preconditionFailed = Code(.preconditionFailed)
        /// A field with an invalid value (422).
        public static let unprocessable = Code(.unprocessable)
        /// Wait deadline passed (408).
        public static let timeout = Code(.timeout)
        public static let tooLarge = Code(.tooLarge)
        public static let notImplemented = Code(.notImplemented)
        /// The machine's host could not be reached (503).
        public static let unavailable = Code(.unavailable)
        public static let internalError = Code(.internalError)
        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String
    /// The `status` field of the error body (`name_taken`, `insufficient_capacity`).
    public var status: String?

    public init(_ code: Code, _ message: String, status: String? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    public var description: String { message }

    public static func machineNotFound() -> ControlError { ControlError(.notFound, "machine not found") }
    public static func appNotFound() -> ControlError { ControlError(.notFound, "app not found") }
    public static func leaseNotFound() -> ControlError { ControlError(.notFound, "lease not found") }
}

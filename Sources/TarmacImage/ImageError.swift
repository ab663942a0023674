/// The one error type of TarmacImage. `message` is written for the person at the terminal:
/// it says what went wrong and, where there is one, what to do about it.
public struct ImageError: Error, Sendable, CustomStringConvertible {
    public var code: Code
    public var message: String
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        guard let cause else { return message }
        return "\(message) (\(cause))"
    }

    /// An extensible error code: new codes can be added without breaking clients.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case notFound, invalidReference, invalidInput, corrupt, io, ambiguous, unsupported, toolFailed
            case unauthorized, unavailable
        }

        private var value: Value
        private init(_ value: Value) { self.value = value }

        /// No image (or blob) by that reference in the local store.
        public static var notFound: Self { Self(.notFound) }
        /// The text is not a valid image reference.
        public static var invalidReference: Self { Self(.invalidReference) }
        /// An input (directory, OCI layout, option) is missing or malformed.
        public static var invalidInput: Self { Self(.invalidInput) }
        /// Content does not match its digest, or stored metadata cannot be read.
        public static var corrupt: Self { Self(.corrupt) }
        /// A file-system operation failed.
        public static var io: Self { Self(.io) }
        /// A reference matches more than one image.
        public static var ambiguous: Self { Self(.ambiguous) }
        /// The content uses a format or platform this store does not handle.
        public static var unsupported: Self { Self(.unsupported) }
        /// An external program (`tar`, `gzip`) failed.
        public static var toolFailed: Self { Self(.toolFailed) }
        /// A registry refused the credentials (or asked for some and none are stored).
        public static var unauthorized: Self { Self(.unauthorized) }
        /// A registry could not be reached, or answered in a way that is not the Distribution API.
        public static var unavailable: Self { Self(.unavailable) }

        public var description: String {
            switch value {
            case .notFound: "notFound"
            case .invalidReference: "invalidReference"
            case .invalidInput: "invalidInput"
            case .corrupt: "corrupt"
            case .io: "io"
            case .ambiguous: "ambiguous"
            case .unsupported: "unsupported"
            case .toolFailed: "toolFailed"
            case .unauthorized: "unauthorized"
            case .unavailable: "unavailable"
            }
        }
    }
}

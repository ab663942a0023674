/// The one error type of `TarmacClient`.
///
/// `message` is what a user should see: for an error answer of the server it is the
/// server's `error` text verbatim (`machine not found`), for a transport failure it says
/// which URL could not be reached and how to start a local server.
public struct ClientError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as an extensible set of codes.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case server, unreachable, timeout, decoding, invalidRequest
        }

        private var value: Value
        private init(_ value: Value) { self.value = value }

        /// The server answered with a non-2xx status; see ``ClientError/httpStatus``.
        public static var server: Self { Self(.server) }
        /// The server could not be reached (connection refused, DNS, reset …).
        public static var unreachable: Self { Self(.unreachable) }
        /// The request did not complete within its deadline.
        public static var timeout: Self { Self(.timeout) }
        /// A 2xx answer whose body is not what the API promises.
        public static var decoding: Self { Self(.decoding) }
        /// The request could not be built (bad base URL, unencodable body).
        public static var invalidRequest: Self { Self(.invalidRequest) }

        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String
    /// HTTP status of a server error answer (nil for transport and local failures).
    public var httpStatus: Int?
    /// The `status` field of the server's error body (`name_taken`, `insufficient_capacity` …).
    public var serverStatus: String?
    /// The URL of the failing request, when one was sent.
    public var url: String?
    /// The underlying error, for debugging.
    public var cause: (any Error)?

    public init(code: Code, message: String, httpStatus: Int? = nil, serverStatus: String? = nil, url: String? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.serverStatus = serverStatus
        self.url = url
        self.cause = cause
    }

    public var description: String { message }

    /// The server answered 404 (`machine not found`, `app not found`, `lease not found` …).
    public var isNotFound: Bool { httpStatus == 404 }

    /// A `wait` that ran out of time (server 408) or a request past its deadline.
    public var isTimeout: Bool { httpStatus == 408 || code == .timeout }

    /// The server answered 409 (lease held, version mismatch, name taken).
    public var isConflict: Bool { httpStatus == 409 }
}

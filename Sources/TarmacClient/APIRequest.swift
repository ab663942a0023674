import Foundation

/// One call of the `/v1` API as a plain value: method, path, query, headers and body.
///
/// Building requests is pure, so every route's URL and body can be tested without a
/// server; ``TarmacClient/send(_:)`` executes one. Factories for every route live in
/// `APIRequest+Apps.swift`, `APIRequest+Machines.swift` and `APIRequest+MachineData.swift`.
public struct APIRequest: Sendable, Hashable {
    public enum Method: String, Sendable, Hashable {
        case get = "GET", post = "POST", put = "PUT", patch = "PATCH", delete = "DELETE"
    }

    public struct QueryItem: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Header carrying the nonce of a held lease on mutating machine calls.
    public static let leaseNonceHeader = "fly-machine-lease-nonce"

    public var method: Method
    /// Path segments after `/v1`, unescaped (`["apps", "my-app", "machines"]`).
    public var pathComponents: [String]
    public var query: [QueryItem]
    public var headers: [Header]
    /// JSON body, sent with `Content-Type: application/json`.
    public var body: Data?
    /// Overrides ``TarmacClient/Configuration/timeout`` for this request (long polls).
    public var timeout: Duration?
    /// The API the path is under: `/v1` (Fly compatible) or `/tarmac/v1` (Tarmac's own).
    public var prefix = "/v1"

    public init(
        _ method: Method, _ pathComponents: [String], query: [QueryItem] = [], headers: [Header] = [],
        body: Data? = nil, timeout: Duration? = nil
    ) {
        self.method = method
        self.pathComponents = pathComponents
        self.query = query
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// The escaped path including the prefix: `/v1/apps/my-app/machines`.
    public var path: String {
        prefix + pathComponents.map { "/" + Self.escape($0, allowed: Self.pathSegmentAllowed) }.joined()
    }

    /// The escaped query string without `?`, in the order the items were added.
    public var queryString: String {
        query.map { Self.escape($0.name, allowed: Self.queryAllowed) + "=" + Self.escape($0.value, allowed: Self.queryAllowed) }
            .joined(separator: "&")
    }

    /// The full URL against a normalised base URL (see ``TarmacClient/Configuration/normalizeBaseURL(_:)``).
    public func url(baseURL: String) -> String {
        let queryString = self.queryString
        return baseURL + path + (queryString.isEmpty ? "" : "?" + queryString)
    }

    /// A request of Tarmac's own API (`/tarmac/v1/…`).
    public static func tarmac(_ method: Method, _ pathComponents: [String], query: [QueryItem] = []) -> APIRequest {
        var request = APIRequest(method, pathComponents, query: query)
        request.prefix = "/tarmac/v1"
        return request
    }

    /// Adds the lease nonce header when a nonce is given.
    public func withLeaseNonce(_ nonce: String?) -> APIRequest {
        guard let nonce, !nonce.isEmpty else { return self }
        var copy = self
        copy.headers.append(Header(Self.leaseNonceHeader, nonce))
        return copy
    }

    /// Encodes `value` as the JSON body.
    public func withJSONBody(_ value: some Encodable) throws(ClientError) -> APIRequest {
        var copy = self
        do {
            copy.body = try JSONEncoder().encode(value)
        } catch {
            throw ClientError(code: .invalidRequest, message: "cannot encode the request body: \(error)", cause: error)
        }
        return copy
    }

    static let pathSegmentAllowed: CharacterSet = {
        var set = CharacterSet.urlPathAllowed
        set.remove(charactersIn: "/;?#%")
        return set
    }()

    static let queryAllowed: CharacterSet = {
        var set = CharacterSet.urlQueryAllowed
        set.remove(charactersIn: "&=+?#%;")
        return set
    }()

    static func escape(_ text: String, allowed: CharacterSet) -> String {
        text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

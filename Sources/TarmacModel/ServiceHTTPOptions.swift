/// Settings of the `http` handler of a service port.
public struct ServiceHTTPOptions: Sendable, Hashable, Codable {
    public var compress: Bool?
    /// Speak h2c (HTTP/2 without TLS) to the machine.
    public var h2Backend: Bool?
    /// Seconds an idle connection to the client is kept.
    public var idleTimeout: Int?
    /// Seconds to wait for the request headers.
    public var headersReadTimeout: Int?
    public var response: Response?
    public var replayCache: [ReplayCache]?

    public init(
        compress: Bool? = nil, h2Backend: Bool? = nil, idleTimeout: Int? = nil, headersReadTimeout: Int? = nil,
        response: Response? = nil, replayCache: [ReplayCache]? = nil
    ) {
        self.compress = compress
        self.h2Backend = h2Backend
        self.idleTimeout = idleTimeout
        self.headersReadTimeout = headersReadTimeout
        self.response = response
        self.replayCache = replayCache
    }

    enum CodingKeys: String, CodingKey {
        case compress, response
        case h2Backend = "h2_backend"
        case idleTimeout = "idle_timeout"
        case headersReadTimeout = "headers_read_timeout"
        case replayCache = "replay_cache"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        compress = try container.decodeIfPresent(Bool.self, forKey: .compress)
        h2Backend = try container.decodeIfPresent(Bool.self, forKey: .h2Backend)
        idleTimeout = try container.decodeLenientInt(forKey: .idleTimeout)
        headersReadTimeout = try container.decodeLenientInt(forKey: .headersReadTimeout)
        response = try container.decodeIfPresent(Response.self, forKey: .response)
        replayCache = try container.decodeIfPresent([ReplayCache].self, forKey: .replayCache)
    }

    /// Changes to responses: headers to add (a value may be a string, a list or `false` to
    /// remove, so they are kept as raw JSON) and `pristine` to leave them untouched.
    public struct Response: Sendable, Hashable, Codable {
        public var headers: [String: JSONValue]?
        public var pristine: Bool?

        public init(headers: [String: JSONValue]? = nil, pristine: Bool? = nil) {
            self.headers = headers
            self.pristine = pristine
        }
    }

    /// Replays a request to another machine, keyed on a cookie or header.
    public struct ReplayCache: Sendable, Hashable, Codable {
        public var pathPrefix: String?
        public var ttlSeconds: Int?
        /// `cookie` or `header`.
        public var type: String?
        public var name: String?
        public var allowBypass: Bool?

        public init(pathPrefix: String? = nil, ttlSeconds: Int? = nil, type: String? = nil, name: String? = nil, allowBypass: Bool? = nil) {
            self.pathPrefix = pathPrefix
            self.ttlSeconds = ttlSeconds
            self.type = type
            self.name = name
            self.allowBypass = allowBypass
        }

        enum CodingKeys: String, CodingKey {
            case type, name
            case pathPrefix = "path_prefix"
            case ttlSeconds = "ttl_seconds"
            case allowBypass = "allow_bypass"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            pathPrefix = try container.decodeIfPresent(String.self, forKey: .pathPrefix)
            ttlSeconds = try container.decodeLenientInt(forKey: .ttlSeconds)
            type = try container.decodeIfPresent(String.self, forKey: .type)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            allowBypass = try container.decodeIfPresent(Bool.self, forKey: .allowBypass)
        }
    }
}

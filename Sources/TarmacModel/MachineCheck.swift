/// A health check: a value of the top-level `checks` map (keyed by check name) or an
/// entry of a service's `checks` list.
///
/// Durations accept Go duration strings (`"15s"`, `"1m30s"`) and JSON numbers meaning
/// nanoseconds, and encode as Go duration strings. `headers` accepts the wire shape
/// `[{"name": "X", "values": ["a"]}]` as well as the fly.toml shapes `{"X": "a"}` and
/// `{"X": ["a", "b"]}`, and always encodes as the wire shape. `kind` is meaningful for
/// top-level checks only (service checks always take the machine out of rotation).
public struct MachineCheck: Sendable, Hashable, Codable {
    public var type: CheckType?
    /// The port to probe; for service checks it defaults to the service's `internal_port`.
    public var port: Int?
    public var interval: GoDuration?
    public var timeout: GoDuration?
    public var gracePeriod: GoDuration?
    /// HTTP checks: the request method (`GET` by default).
    public var method: String?
    /// HTTP checks: the request path.
    public var path: String?
    /// HTTP checks: `http` or `https`.
    public var `protocol`: String?
    public var tlsSkipVerify: Bool?
    public var tlsServerName: String?
    public var headers: [Header]?
    public var kind: Kind?
    /// Tarmac extension: restart the machine once this check has been failing (critical)
    /// for this long. Unset, a failing check never restarts anything.
    public var restartAfter: GoDuration?

    public init(
        type: CheckType? = nil, port: Int? = nil, interval: GoDuration? = nil, timeout: GoDuration? = nil,
        gracePeriod: GoDuration? = nil, method: String? = nil, path: String? = nil, protocol: String? = nil,
        tlsSkipVerify: Bool? = nil, tlsServerName: String? = nil, headers: [Header]? = nil, kind: Kind? = nil,
        restartAfter: GoDuration? = nil
    ) {
        self.type = type
        self.port = port
        self.interval = interval
        self.timeout = timeout
        self.gracePeriod = gracePeriod
        self.method = method
        self.path = path
        self.protocol = `protocol`
        self.tlsSkipVerify = tlsSkipVerify
        self.tlsServerName = tlsServerName
        self.headers = headers
        self.kind = kind
        self.restartAfter = restartAfter
    }

    enum CodingKeys: String, CodingKey {
        case type, port, interval, timeout, method, path, `protocol`, headers, kind
        case gracePeriod = "grace_period"
        case tlsSkipVerify = "tls_skip_verify"
        case tlsServerName = "tls_server_name"
        case restartAfter = "restart_after"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decodeIfPresent(CheckType.self, forKey: .type)
        port = try container.decodeLenientInt(forKey: .port)
        interval = try container.decodeIfPresent(GoDuration.self, forKey: .interval)
        timeout = try container.decodeIfPresent(GoDuration.self, forKey: .timeout)
        gracePeriod = try container.decodeIfPresent(GoDuration.self, forKey: .gracePeriod)
        method = try container.decodeIfPresent(String.self, forKey: .method)
        path = try container.decodeIfPresent(String.self, forKey: .path)
        `protocol` = try container.decodeIfPresent(String.self, forKey: .protocol)
        tlsSkipVerify = try container.decodeIfPresent(Bool.self, forKey: .tlsSkipVerify)
        tlsServerName = try container.decodeIfPresent(String.self, forKey: .tlsServerName)
        headers = try Header.decodeList(container, forKey: .headers)
        kind = try container.decodeIfPresent(Kind.self, forKey: .kind)
        restartAfter = try container.decodeIfPresent(GoDuration.self, forKey: .restartAfter)
    }

    /// `tcp` (connect) or `http` (request, 2xx passes).
    public struct CheckType: OpenEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let tcp: Self = "tcp"
        public static let http: Self = "http"
        public static let knownValues: [Self] = [.tcp, .http]
    }

    /// What a failing top-level check does: `informational` (the default; shown only) or
    /// `readiness` (the machine leaves load balancing while it fails).
    public struct Kind: OpenEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let informational: Self = "informational"
        public static let readiness: Self = "readiness"
        public static let knownValues: [Self] = [.informational, .readiness]
    }

    /// An HTTP header sent with a check request.
    public struct Header: Sendable, Hashable, Codable {
        public var name: String
        public var values: [String]

        public init(name: String, values: [String]) {
            self.name = name
            self.values = values
        }

        enum CodingKeys: String, CodingKey {
            case name, values, value
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
            values = try container.decodeIfPresent(StringList.self, forKey: .values)?.values
                ?? container.decodeIfPresent(StringList.self, forKey: .value)?.values
                ?? []
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(values, forKey: .values)
        }

        /// The list form, or a map of names to a value or a list of values (sorted by name).
        static func decodeList<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, forKey key: Key) throws -> [Header]? {
            guard container.contains(key), try !container.decodeNil(forKey: key) else { return nil }
            if let list = try? container.decode([Header].self, forKey: key) { return list }
            if let map = try? container.decode([String: StringList].self, forKey: key) {
                return map.sorted { $0.key < $1.key }.map { Header(name: $0.key, values: $0.value.values) }
            }
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container,
                debugDescription: "expected a list of {\"name\": …, \"values\": […]} objects or an object mapping header names to a string or a list of strings")
        }
    }
}

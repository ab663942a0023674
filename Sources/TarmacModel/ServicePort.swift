/// A public port (or port range) of a service and how the proxy handles it.
///
/// `handlers` are applied in order (`tls`, `http`, `pg_tls`, `proxy_proto`); none means
/// raw TCP passthrough. `force_https` redirects plain HTTP with a 301.
public struct ServicePort: Sendable, Hashable, Codable {
    public var port: Int?
    public var startPort: Int?
    public var endPort: Int?
    public var handlers: [String]?
    public var forceHTTPS: Bool?
    public var tlsOptions: TLSOptions?
    public var httpOptions: ServiceHTTPOptions?
    public var proxyProtoOptions: ProxyProtoOptions?

    public init(
        port: Int? = nil, startPort: Int? = nil, endPort: Int? = nil, handlers: [String]? = nil, forceHTTPS: Bool? = nil,
        tlsOptions: TLSOptions? = nil, httpOptions: ServiceHTTPOptions? = nil, proxyProtoOptions: ProxyProtoOptions? = nil
    ) {
        self.port = port
        self.startPort = startPort
        self.endPort = endPort
        self.handlers = handlers
        self.forceHTTPS = forceHTTPS
        self.tlsOptions = tlsOptions
        self.httpOptions = httpOptions
        self.proxyProtoOptions = proxyProtoOptions
    }

    enum CodingKeys: String, CodingKey {
        case port, handlers
        case startPort = "start_port"
        case endPort = "end_port"
        case forceHTTPS = "force_https"
        case tlsOptions = "tls_options"
        case httpOptions = "http_options"
        case proxyProtoOptions = "proxy_proto_options"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        port = try container.decodeLenientInt(forKey: .port)
        startPort = try container.decodeLenientInt(forKey: .startPort)
        endPort = try container.decodeLenientInt(forKey: .endPort)
        handlers = try container.decodeIfPresent([String].self, forKey: .handlers)
        forceHTTPS = try container.decodeIfPresent(Bool.self, forKey: .forceHTTPS)
        tlsOptions = try container.decodeIfPresent(TLSOptions.self, forKey: .tlsOptions)
        httpOptions = try container.decodeIfPresent(ServiceHTTPOptions.self, forKey: .httpOptions)
        proxyProtoOptions = try container.decodeIfPresent(ProxyProtoOptions.self, forKey: .proxyProtoOptions)
    }

    /// Whether `number` is this port or inside its range (an open end is 0 or 65535), as
    /// fly-go's `ContainsPort`.
    public func contains(_ number: Int) -> Bool {
        if port == number { return true }
        guard startPort != nil || endPort != nil else { return false }
        return (startPort ?? 0) <= number && number <= (endPort ?? 65535)
    }

    /// TLS termination settings for the `tls` handler.
    public struct TLSOptions: Sendable, Hashable, Codable {
        public var alpn: [String]?
        public var versions: [String]?
        public var defaultSelfSigned: Bool?

        public init(alpn: [String]? = nil, versions: [String]? = nil, defaultSelfSigned: Bool? = nil) {
            self.alpn = alpn
            self.versions = versions
            self.defaultSelfSigned = defaultSelfSigned
        }

        enum CodingKeys: String, CodingKey {
            case alpn, versions
            case defaultSelfSigned = "default_self_signed"
        }
    }

    /// PROXY protocol settings for the `proxy_proto` handler (`version` `v1` or `v2`).
    public struct ProxyProtoOptions: Sendable, Hashable, Codable {
        public var version: String?

        public init(version: String? = nil) { self.version = version }
    }
}

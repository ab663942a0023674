/// How much load a service takes before the proxy prefers other machines (`soft_limit`,
/// default 20) or sends it nothing new (`hard_limit`, default unlimited), counted in
/// `connections` (the default) or `requests`.
public struct ServiceConcurrency: Sendable, Hashable, Codable {
    public var type: LimitType?
    public var softLimit: Int?
    public var hardLimit: Int?

    public static let defaultSoftLimit = 20

    public init(type: LimitType? = nil, softLimit: Int? = nil, hardLimit: Int? = nil) {
        self.type = type
        self.softLimit = softLimit
        self.hardLimit = hardLimit
    }

    enum CodingKeys: String, CodingKey {
        case type
        case softLimit = "soft_limit"
        case hardLimit = "hard_limit"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decodeIfPresent(LimitType.self, forKey: .type)
        softLimit = try container.decodeLenientInt(forKey: .softLimit)
        hardLimit = try container.decodeLenientInt(forKey: .hardLimit)
    }

    /// What the limits count.
    public struct LimitType: OpenEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let connections: Self = "connections"
        public static let requests: Self = "requests"
        public static let knownValues: [Self] = [.connections, .requests]
    }

    /// The effective unit (`connections` unless given).
    public var effectiveType: LimitType { type ?? .connections }
    /// The effective soft limit (20 unless given).
    public var effectiveSoftLimit: Int { softLimit ?? Self.defaultSoftLimit }
}

/// The App object of `/v1/apps`.
public struct App: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var status: String
    public var network: String
    public var networkCIDR: String?
    public var internalNumericID: Int64
    public var machineCount: Int
    public var volumeCount: Int
    public var organization: Organization
    public var createdAt: Int64

    public init(id: String, name: String, status: String, network: String, internalNumericID: Int64, machineCount: Int, organization: Organization, createdAt: Int64) {
        self.id = id
        self.name = name
        self.status = status
        self.network = network
        self.internalNumericID = internalNumericID
        self.machineCount = machineCount
        self.volumeCount = 0
        self.organization = organization
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, status, network, organization
        case networkCIDR = "network_cidr"
        case internalNumericID = "internal_numeric_id"
        case machineCount = "machine_count"
        case volumeCount = "volume_count"
        case createdAt = "created_at"
    }

    public struct Organization: Sendable, Hashable, Codable {
        public var name: String
        public var slug: String
        public var internalNumericID: Int64

        public init(name: String, slug: String, internalNumericID: Int64) {
            self.name = name
            self.slug = slug
            self.internalNumericID = internalNumericID
        }

        enum CodingKeys: String, CodingKey {
            case name, slug
            case internalNumericID = "internal_numeric_id"
        }
    }
}

public struct AppList: Sendable, Codable {
    public var totalApps: Int
    public var apps: [App]

    public init(apps: [App]) {
        self.totalApps = apps.count
        self.apps = apps
    }

    enum CodingKeys: String, CodingKey {
        case apps
        case totalApps = "total_apps"
    }
}

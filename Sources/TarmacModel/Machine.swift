/// The Machine object of API responses.
public struct Machine: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var state: String
    public var region: String
    public var instanceID: String
    public var version: String
    public var privateIP: String
    public var config: MachineConfig?
    public var incompleteConfig: MachineConfig?
    public var imageRef: ImageRef?
    public var createdAt: String
    public var updatedAt: String
    public var events: [MachineEvent]?
    public var checks: [CheckStatus]?
    public var hostStatus: String
    public var cordoned: Bool
    public var nonce: String?
    public var lease: LeaseInfo?
    /// Only in org-wide listings (`/v1/orgs/{org}/machines`).
    public var appName: String?
    /// Tarmac extension: which runtime runs this machine (`container` or `microvm`).
    public var runtime: String?

    public init(
        id: String, name: String, state: String, region: String, instanceID: String, privateIP: String,
        config: MachineConfig?, imageRef: ImageRef?, createdAt: String, updatedAt: String,
        events: [MachineEvent]?, hostStatus: String = "ok", cordoned: Bool = false, runtime: String? = nil
    ) {
        self.id = id
        self.name = name
        self.state = state
        self.region = region
        self.instanceID = instanceID
        self.version = instanceID
        self.privateIP = privateIP
        self.config = config
        self.imageRef = imageRef
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.events = events
        self.hostStatus = hostStatus
        self.cordoned = cordoned
        self.runtime = runtime
    }

    enum CodingKeys: String, CodingKey {
        case id, name, state, region, version, config, events, checks, cordoned, nonce, lease, runtime
        case instanceID = "instance_id"
        case privateIP = "private_ip"
        case incompleteConfig = "incomplete_config"
        case imageRef = "image_ref"
        case appName = "app_name"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case hostStatus = "host_status"
    }

    public struct CheckStatus: Sendable, Hashable, Codable {
        public var name: String
        public var status: String
        public var output: String
        public var updatedAt: String?

        public init(name: String, status: String, output: String, updatedAt: String?) {
            self.name = name
            self.status = status
            self.output = output
            self.updatedAt = updatedAt
        }

        enum CodingKeys: String, CodingKey {
            case name, status, output
            case updatedAt = "updated_at"
        }
    }

    public struct LeaseInfo: Sendable, Hashable, Codable {
        public var description: String
        public var expiresAt: Int64
        public var owner: String
        public var nonce: String?

        public init(description: String, expiresAt: Int64, owner: String, nonce: String? = nil) {
            self.description = description
            self.expiresAt = expiresAt
            self.owner = owner
            self.nonce = nonce
        }

        enum CodingKeys: String, CodingKey {
            case description, owner, nonce
            case expiresAt = "expires_at"
        }
    }
}

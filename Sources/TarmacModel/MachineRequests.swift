/// Body of `POST /v1/apps/{app}/machines` and of update (`POST …/machines/{id}`).
public struct CreateMachineRequest: Sendable, Hashable, Codable {
    public var name: String?
    public var region: String?
    public var config: MachineConfig?
    public var skipLaunch: Bool?
    public var skipServiceRegistration: Bool?
    public var leaseTTL: Int?
    public var currentVersion: String?
    public var skipSecrets: Bool?

    public init(name: String? = nil, region: String? = nil, config: MachineConfig?, skipLaunch: Bool? = nil, leaseTTL: Int? = nil) {
        self.name = name
        self.region = region
        self.config = config
        self.skipLaunch = skipLaunch
        self.leaseTTL = leaseTTL
    }

    enum CodingKeys: String, CodingKey {
        case name, region, config
        case skipLaunch = "skip_launch"
        case skipServiceRegistration = "skip_service_registration"
        case leaseTTL = "lease_ttl"
        case currentVersion = "current_version"
        case skipSecrets = "skip_secrets"
    }
}

/// Body of `POST …/stop` (fly-go always sends one; `"timeout":"0s"` means "use the default").
public struct StopRequest: Sendable, Hashable, Codable {
    public var signal: MachineSignal?
    public var timeout: GoDuration?

    public init(signal: MachineSignal? = nil, timeout: GoDuration? = nil) {
        self.signal = signal
        self.timeout = timeout
    }
}

/// Body of `POST …/signal`.
public struct SignalRequest: Sendable, Hashable, Codable {
    public var signal: MachineSignal?

    public init(signal: MachineSignal) { self.signal = signal }
}

/// Answer of `POST …/start`.
public struct StartResponse: Sendable, Hashable, Codable {
    public var previousState: String
    public var migrated: Bool
    public var newHost: String

    public init(previousState: String) {
        self.previousState = previousState
        self.migrated = false
        self.newHost = ""
    }

    enum CodingKeys: String, CodingKey {
        case migrated
        case previousState = "previous_state"
        case newHost = "new_host"
    }
}

/// Answer of `GET …/wait`.
public struct WaitResponse: Sendable, Hashable, Codable {
    public var ok: Bool
    public var state: String
    public var version: String
    public var eventID: String?

    public init(state: String, version: String, eventID: String?) {
        self.ok = true
        self.state = state
        self.version = version
        self.eventID = eventID
    }

    enum CodingKeys: String, CodingKey {
        case ok, state, version
        case eventID = "event_id"
    }
}

/// Body of `POST /v1/apps` (`name` per fly-go, `app_name` per the docs).
public struct CreateAppRequest: Sendable, Hashable, Codable {
    public var name: String?
    public var appName: String?
    public var orgSlug: String?
    public var network: String?

    public init(name: String, orgSlug: String = "personal") {
        self.name = name
        self.orgSlug = orgSlug
    }

    public var effectiveName: String? { name ?? appName }

    enum CodingKeys: String, CodingKey {
        case name, network
        case appName = "app_name"
        case orgSlug = "org_slug"
    }
}

/// Body of `POST …/lease`.
public struct LeaseRequest: Sendable, Hashable, Codable {
    public var ttl: Int?
    public var description: String?

    public init(ttl: Int? = nil, description: String? = nil) {
        self.ttl = ttl
        self.description = description
    }
}

/// Body of `PUT/PATCH …/metadata`: null or empty values delete keys.
public struct MetadataUpdateRequest: Sendable, Hashable, Codable {
    public var metadata: [String: String?]
    public var machineVersion: String?

    enum CodingKeys: String, CodingKey {
        case metadata
        case machineVersion = "machine_version"
    }
}

/// Body of `POST …/metadata/{key}`.
public struct MetadataValueRequest: Sendable, Hashable, Codable {
    public var value: String
}

/// A version entry of `GET …/versions`.
public struct MachineVersion: Sendable, Hashable, Codable {
    public var version: String
    public var userConfig: MachineConfig

    public init(version: String, userConfig: MachineConfig) {
        self.version = version
        self.userConfig = userConfig
    }

    enum CodingKeys: String, CodingKey {
        case version
        case userConfig = "user_config"
    }
}

/// The error body of every failing API call: `{"error": "...", "status": "..."}`.
public struct ErrorBody: Sendable, Hashable, Codable {
    public var error: String
    public var status: String?
    public var message: String?

    public init(error: String, status: String? = nil) {
        self.error = error
        self.status = status
    }
}

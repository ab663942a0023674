/// A host as `GET /tarmac/v1/hosts` shows it.
public struct HostView: Sendable, Hashable, Codable {
    public var id: String
    public var region: String
    /// `ok` while its agent is connected, `unreachable` otherwise.
    public var status: String
    public var cordoned: Bool
    public var runtime: String
    public var cpus: Int
    public var memoryMB: Int
    public var memoryOvercommit: Double
    public var reservedMemoryMB: Int
    public var reservedDedicatedCPUs: Int
    public var machines: Int
    public var agentVersion: String
    public var registeredAt: String
    public var lastConnectedAt: String

    public init(
        id: String, region: String, status: String, cordoned: Bool, runtime: String, cpus: Int, memoryMB: Int, memoryOvercommit: Double,
        reservedMemoryMB: Int, reservedDedicatedCPUs: Int, machines: Int, agentVersion: String, registeredAt: String, lastConnectedAt: String
    ) {
        self.id = id
        self.region = region
        self.status = status
        self.cordoned = cordoned
        self.runtime = runtime
        self.cpus = cpus
        self.memoryMB = memoryMB
        self.memoryOvercommit = memoryOvercommit
        self.reservedMemoryMB = reservedMemoryMB
        self.reservedDedicatedCPUs = reservedDedicatedCPUs
        self.machines = machines
        self.agentVersion = agentVersion
        self.registeredAt = registeredAt
        self.lastConnectedAt = lastConnectedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, region, status, cordoned, runtime, cpus, machines
        case memoryMB = "memory_mb"
        case memoryOvercommit = "memory_overcommit"
        case reservedMemoryMB = "reserved_memory_mb"
        case reservedDedicatedCPUs = "reserved_dedicated_cpus"
        case agentVersion = "agent_version"
        case registeredAt = "registered_at"
        case lastConnectedAt = "last_connected_at"
    }
}

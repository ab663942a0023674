/// What a host agent tells the control plane it dials (`tarmac agent --server URL`): who it
/// is, where, and what it can hold. Sent on every (re)connect; the control plane keeps the
/// newest one per host.
public struct AgentRegistration: Sendable, Hashable, Codable {
    public var hostID: String
    public var region: String
    /// The runtime this agent runs machines with (`container` or `microvm`), and why.
    public var runtime: String
    public var runtimeReason: String
    public var capacity: HostCapacity
    /// Optional abilities (`suspend`, `console`, …), for placement to match a request.
    public var features: [String]
    public var agentVersion: String

    public init(hostID: String, region: String, runtime: String, runtimeReason: String, capacity: HostCapacity, features: [String] = [], agentVersion: String) {
        self.hostID = hostID
        self.region = region
        self.runtime = runtime
        self.runtimeReason = runtimeReason
        self.capacity = capacity
        self.features = features
        self.agentVersion = agentVersion
    }

    /// The reasons this registration cannot be accepted, empty when it can.
    public var problems: [String] {
        var problems: [String] = []
        if !Self.isValidName(hostID, maximumLength: 64) { problems.append("host id \"\(hostID)\" must be 1-64 lowercase letters, digits, dashes or underscores") }
        if !Self.isValidName(region, maximumLength: 16) { problems.append("region \"\(region)\" must be 1-16 lowercase letters, digits, dashes or underscores") }
        if runtime.isEmpty { problems.append("runtime is empty") }
        if capacity.cpus < 1 { problems.append("capacity.cpus must be at least 1, got \(capacity.cpus)") }
        if capacity.memoryMB < 64 { problems.append("capacity.memory_mb must be at least 64, got \(capacity.memoryMB)") }
        if !(1.0...64.0).contains(capacity.memoryOvercommit) { problems.append("capacity.memory_overcommit must be between 1 and 64, got \(capacity.memoryOvercommit)") }
        return problems
    }

    static func isValidName(_ name: String, maximumLength: Int) -> Bool {
        !name.isEmpty && name.count <= maximumLength
            && name.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }
}

/// What a host offers machines.
public struct HostCapacity: Sendable, Hashable, Codable {
    public var cpus: Int
    public var memoryMB: Int
    public var diskMB: Int
    /// How many times its memory the host lets machines reserve (1 = none). Machines' memory
    /// is a limit a container or a lazily backed VM rarely fills; a dev host overcommits.
    public var memoryOvercommit: Double

    public init(cpus: Int, memoryMB: Int, diskMB: Int, memoryOvercommit: Double = 1) {
        self.cpus = cpus
        self.memoryMB = memoryMB
        self.diskMB = diskMB
        self.memoryOvercommit = memoryOvercommit
    }

    enum CodingKeys: String, CodingKey {
        case cpus
        case memoryMB = "memory_mb"
        case diskMB = "disk_mb"
        case memoryOvercommit = "memory_overcommit"
    }
}

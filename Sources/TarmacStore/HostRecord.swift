import Foundation

/// A host agent the control plane has heard from: its newest registration, whether an
/// operator cordoned it, and when it was last connected.
public struct HostRecord: Sendable, Hashable, Codable {
    public var id: String
    public var region: String
    public var runtime: String
    public var runtimeReason: String
    public var cpus: Int
    public var memoryMB: Int
    public var diskMB: Int
    public var memoryOvercommit: Double
    public var features: [String]
    public var agentVersion: String
    /// Cordoned hosts get no new machines; their machines keep running.
    public var cordoned: Bool
    public var registeredAt: Date
    public var lastConnectedAt: Date

    public init(
        id: String, region: String, runtime: String, runtimeReason: String, cpus: Int, memoryMB: Int, diskMB: Int,
        memoryOvercommit: Double, features: [String], agentVersion: String, cordoned: Bool = false,
        registeredAt: Date, lastConnectedAt: Date
    ) {
        self.id = id
        self.region = region
        self.runtime = runtime
        self.runtimeReason = runtimeReason
        self.cpus = cpus
        self.memoryMB = memoryMB
        self.diskMB = diskMB
        self.memoryOvercommit = memoryOvercommit
        self.features = features
        self.agentVersion = agentVersion
        self.cordoned = cordoned
        self.registeredAt = registeredAt
        self.lastConnectedAt = lastConnectedAt
    }
}

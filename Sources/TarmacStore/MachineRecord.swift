import Foundation
import TarmacModel

/// The control plane's stored view of one machine: the desired machine (config, version,
/// whether it should launch, whether the user destroyed it), written before any agent is
/// asked, plus the actual state last reported by its host's agent. A destroyed machine's
/// record stays as a tombstone: the proof that lets reconciliation destroy it on a host.
public struct MachineRecord: Sendable, Hashable, Codable {
    public var id: String
    public var appName: String
    public var name: String
    public var region: String
    public var hostID: String
    public var instanceID: String
    public var state: MachineState
    public var privateIP: String
    public var config: MachineConfig
    public var imageRef: ImageRef
    public var createdAt: Date
    public var updatedAt: Date
    public var cordoned: Bool
    public var restartCount: Int
    public var runtime: String
    public var lease: LeaseRecord?
    /// Set once the machine is destroyed; destroyed machines stay listable with `include_deleted`.
    public var destroyedAt: Date?
    /// The version (`instanceID`) the host's agent has acknowledged; behind `instanceID`
    /// while a create or update is still to be delivered (reconciliation delivers it).
    public var appliedVersion: String?
    /// Whether the desired version should launch once applied (`skip_launch` unset).
    public var desiredLaunch: Bool?
    /// When the user asked to destroy the machine; reconciliation finishes a destroy whose
    /// agent call was lost.
    public var destroyRequestedAt: Date?
    public var destroyForced: Bool?
    /// Health check results as the agent last reported them (nil without checks).
    public var checks: [Machine.CheckStatus]?

    /// Whether the desired version still has to reach the host.
    public var needsApply: Bool { destroyedAt == nil && destroyRequestedAt == nil && appliedVersion != instanceID }

    public init(id: String, appName: String, name: String, region: String, hostID: String, instanceID: String, state: MachineState, privateIP: String, config: MachineConfig, imageRef: ImageRef, createdAt: Date, runtime: String) {
        self.id = id
        self.appName = appName
        self.name = name
        self.region = region
        self.hostID = hostID
        self.instanceID = instanceID
        self.state = state
        self.privateIP = privateIP
        self.config = config
        self.imageRef = imageRef
        self.createdAt = createdAt
        self.updatedAt = createdAt
        self.cordoned = false
        self.restartCount = 0
        self.runtime = runtime
    }
}

/// A lease on a machine (`fly-machine-lease-nonce`).
public struct LeaseRecord: Sendable, Hashable, Codable {
    public var nonce: String
    public var owner: String
    public var description: String
    public var expiresAt: Date

    public init(nonce: String, owner: String, description: String, expiresAt: Date) {
        self.nonce = nonce
        self.owner = owner
        self.description = description
        self.expiresAt = expiresAt
    }

    public func isActive(at now: Date) -> Bool { expiresAt > now }
}

public struct AppRecord: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var orgSlug: String
    public var network: String
    public var internalNumericID: Int64
    public var createdAt: Date

    public init(id: String, name: String, orgSlug: String, network: String, internalNumericID: Int64, createdAt: Date) {
        self.id = id
        self.name = name
        self.orgSlug = orgSlug
        self.network = network
        self.internalNumericID = internalNumericID
        self.createdAt = createdAt
    }
}

public struct OrgRecord: Sendable, Hashable, Codable {
    public var slug: String
    public var name: String
    public var internalNumericID: Int64

    public init(slug: String, name: String, internalNumericID: Int64) {
        self.slug = slug
        self.name = name
        self.internalNumericID = internalNumericID
    }
}

/// What applying a batch of agent changes did.
public struct AgentChangesOutcome: Sendable, Hashable {
    public var records: [MachineRecord]
    /// Machines the agent reported that the store has no record of at all.
    public var unknownMachineIDs: [String]

    public init(records: [MachineRecord], unknownMachineIDs: [String]) {
        self.records = records
        self.unknownMachineIDs = unknownMachineIDs
    }
}

/// A state change reported by an agent, applied to the view together with its event.
public struct MachineStateChange: Sendable, Hashable {
    public var machineID: String
    public var instanceID: String
    public var state: MachineState
    public var privateIP: String
    public var restartCount: Int
    public var runtime: String
    public var event: MachineEvent?
    public var checks: [Machine.CheckStatus]?

    public init(
        machineID: String, instanceID: String, state: MachineState, privateIP: String, restartCount: Int, runtime: String,
        event: MachineEvent?, checks: [Machine.CheckStatus]? = nil
    ) {
        self.machineID = machineID
        self.instanceID = instanceID
        self.state = state
        self.privateIP = privateIP
        self.restartCount = restartCount
        self.runtime = runtime
        self.event = event
        self.checks = checks
    }
}

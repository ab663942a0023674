import Foundation
import TarmacAgentProtocol
import TarmacModel
import TarmacRuntime

/// What the agent persists per machine: the spec it was given, the lifecycle state, and
/// the runtime handle needed to find the machine again after an agent restart.
public struct AgentMachineRecord: Sendable, Hashable, Codable {
    public var spec: AgentMachineSpec
    public var fsm: MachineFSM
    public var state: MachineState
    public var handle: RuntimeHandle?
    public var privateIP: String
    public var runtime: String
    /// Health check results, in the order of `spec.config.healthChecks`.
    public var checks: [Machine.CheckStatus]?

    public var id: String { spec.machineID }

    public var status: AgentMachineStatus {
        AgentMachineStatus(machineID: spec.machineID, instanceID: spec.instanceID, state: state, privateIP: privateIP, restartCount: fsm.restartCount, runtime: runtime, checks: checks)
    }

    /// The status with the spec, as the inventory (`machines()`) reports it.
    public var inventoryStatus: AgentMachineStatus {
        var status = self.status
        status.spec = spec
        return status
    }
}

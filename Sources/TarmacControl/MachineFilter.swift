import TarmacModel
import TarmacStore

/// The filters of `GET /v1/apps/{app}/machines` and `/v1/orgs/{org}/machines`.
public struct MachineFilter: Sendable, Hashable {
    public var includeDeleted = false
    public var region: String?
    public var states: Set<String> = []
    public var metadata: [String: String] = [:]
    public var summary = false
    public var includeLeases = false

    public init() {}

    public func matches(_ machine: MachineRecord) -> Bool {
        if let region, !region.isEmpty, machine.region != region { return false }
        if !states.isEmpty, !states.contains(machine.state.rawValue) { return false }
        let metadata = machine.config.metadata ?? [:]
        for (key, value) in self.metadata where metadata[key] != value { return false }
        return true
    }
}

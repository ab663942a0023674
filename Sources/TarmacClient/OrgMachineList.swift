import TarmacModel

/// Answer of `GET /v1/orgs/{org_slug}/machines`: one page of the org's machines.
public struct OrgMachineList: Sendable, Hashable, Codable {
    public var machines: [OrgMachine]
    /// Pass as ``OrgMachineListOptions/cursor`` to fetch the next page; empty or nil at the end.
    public var nextCursor: String?
    public var lastMachineID: String?
    public var lastUpdatedAt: String?
    public var errorRegions: [String]?

    public init(machines: [OrgMachine], nextCursor: String? = nil) {
        self.machines = machines
        self.nextCursor = nextCursor
    }

    enum CodingKeys: String, CodingKey {
        case machines
        case nextCursor = "next_cursor"
        case lastMachineID = "last_machine_id"
        case lastUpdatedAt = "last_updated_at"
        case errorRegions = "error_regions"
    }
}

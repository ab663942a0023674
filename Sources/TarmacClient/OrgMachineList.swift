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

/// A machine as the org-wide listing shows it: a summary that names its app.
/// Everything but `id` is optional so that both summaries and full Machine objects decode.
public struct OrgMachine: Sendable, Hashable, Codable {
    public var id: String
    public var name: String?
    public var state: String?
    public var region: String?
    public var privateIP: String?
    public var appName: String?
    public var instanceID: String?
    public var version: String?
    public var createdAt: String?
    public var updatedAt: String?
    public var config: MachineConfig?
    public var runtime: String?

    public init(id: String) { self.id = id }

    enum CodingKeys: String, CodingKey {
        case id, name, state, region, version, config, runtime
        case privateIP = "private_ip"
        case appName = "app_name"
        case instanceID = "instance_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

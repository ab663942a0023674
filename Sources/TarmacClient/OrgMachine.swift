import TarmacModel

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

/// Filters of `GET /v1/apps/{app_name}/machines`.
public struct MachineListOptions: Sendable, Hashable {
    /// Also list destroyed machines.
    public var includeDeleted: Bool = false
    /// Include each machine's lease (`lease`).
    public var includeLeases: Bool = false
    public var region: String?
    /// Only machines in one of these states (`created`, `started`, `stopped`, `suspended`).
    public var states: [String] = []
    /// Omit config, checks and events from each machine.
    public var summary: Bool = false
    /// `metadata.KEY=VALUE` filters; all must match.
    public var metadata: [String: String] = [:]

    public init() {}

    var queryItems: [APIRequest.QueryItem] {
        var items: [APIRequest.QueryItem] = []
        if includeDeleted { items.append(.init("include_deleted", "true")) }
        if includeLeases { items.append(.init("include_leases", "true")) }
        if let region { items.append(.init("region", region)) }
        if !states.isEmpty { items.append(.init("state", states.joined(separator: ","))) }
        if summary { items.append(.init("summary", "true")) }
        for key in metadata.keys.sorted() {
            items.append(.init("metadata.\(key)", metadata[key] ?? ""))
        }
        return items
    }
}

/// Filters and paging of `GET /v1/orgs/{org_slug}/machines`.
public struct OrgMachineListOptions: Sendable, Hashable {
    public var includeDeleted: Bool = false
    public var region: String?
    public var states: [String] = []
    public var summary: Bool = false
    /// RFC3339; only machines updated after this instant.
    public var updatedAfter: String?
    /// `next_cursor` of the previous page.
    public var cursor: String?
    public var limit: Int?

    public init() {}

    var queryItems: [APIRequest.QueryItem] {
        var items: [APIRequest.QueryItem] = []
        if includeDeleted { items.append(.init("include_deleted", "true")) }
        if let region { items.append(.init("region", region)) }
        if !states.isEmpty { items.append(.init("state", states.joined(separator: ","))) }
        if summary { items.append(.init("summary", "true")) }
        if let updatedAfter { items.append(.init("updated_after", updatedAfter)) }
        if let cursor { items.append(.init("cursor", cursor)) }
        if let limit { items.append(.init("limit", String(limit))) }
        return items
    }
}

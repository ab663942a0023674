/// What `GET /tarmac/v1/apps/{app}/logs` reads.
public struct LogOptions: Sendable, Hashable {
    /// Only this machine's lines.
    public var machineID: String?
    public var region: String?
    /// An RFC 3339 time or a duration back from now (`10m`).
    public var since: String?
    /// How many lines (the server's default, 100, when nil).
    public var limit: Int?

    public init(machineID: String? = nil, region: String? = nil, since: String? = nil, limit: Int? = nil) {
        self.machineID = machineID
        self.region = region
        self.since = since
        self.limit = limit
    }

    var queryItems: [APIRequest.QueryItem] {
        var items: [APIRequest.QueryItem] = []
        if let machineID { items.append(.init("machine", machineID)) }
        if let region { items.append(.init("region", region)) }
        if let since { items.append(.init("since", since)) }
        if let limit { items.append(.init("limit", String(limit))) }
        return items
    }
}

import TarmacModel

extension APIRequest {
    /// `GET …/lease` → ``LeaseEnvelope`` (404 `lease not found` when none is held).
    public static func getLease(app: String, id: String) -> APIRequest {
        APIRequest(.get, machine(app, id, "lease"))
    }

    /// `POST …/lease?ttl=N` → ``LeaseEnvelope``. With the current `nonce` it refreshes the lease.
    public static func acquireLease(app: String, id: String, ttlSeconds: Int? = nil, description: String? = nil, nonce: String? = nil) throws(ClientError) -> APIRequest {
        let query: [QueryItem] = ttlSeconds.map { [.init("ttl", String($0))] } ?? []
        return try APIRequest(.post, machine(app, id, "lease"), query: query)
            .withJSONBody(LeaseRequest(ttl: ttlSeconds, description: description))
            .withLeaseNonce(nonce)
    }

    /// `DELETE …/lease` with the lease's nonce.
    public static func releaseLease(app: String, id: String, nonce: String) -> APIRequest {
        APIRequest(.delete, machine(app, id, "lease")).withLeaseNonce(nonce)
    }

    /// `GET …/metadata` → `{"key": "value"}`.
    public static func getMetadata(app: String, id: String) -> APIRequest {
        APIRequest(.get, machine(app, id, "metadata"))
    }

    /// `PUT …/metadata` (replace) → 204.
    public static func replaceMetadata(app: String, id: String, _ update: MetadataUpdate, nonce: String? = nil) throws(ClientError) -> APIRequest {
        try APIRequest(.put, machine(app, id, "metadata")).withJSONBody(update).withLeaseNonce(nonce)
    }

    /// `PATCH …/metadata` (merge; nil values delete) → 204.
    public static func patchMetadata(app: String, id: String, _ update: MetadataUpdate, nonce: String? = nil) throws(ClientError) -> APIRequest {
        try APIRequest(.patch, machine(app, id, "metadata")).withJSONBody(update).withLeaseNonce(nonce)
    }

    /// `GET …/metadata/{key}` → ``MetadataValue``.
    public static func getMetadataValue(app: String, id: String, key: String) -> APIRequest {
        APIRequest(.get, machine(app, id, "metadata", key))
    }

    /// `POST …/metadata/{key}` with `{"value": …}` → 204.
    public static func setMetadataValue(app: String, id: String, key: String, value: String, nonce: String? = nil) throws(ClientError) -> APIRequest {
        try APIRequest(.post, machine(app, id, "metadata", key)).withJSONBody(MetadataValue(value: value)).withLeaseNonce(nonce)
    }

    /// `DELETE …/metadata/{key}` → 204.
    public static func deleteMetadataValue(app: String, id: String, key: String, nonce: String? = nil) -> APIRequest {
        APIRequest(.delete, machine(app, id, "metadata", key)).withLeaseNonce(nonce)
    }

    /// `GET …/events[?limit=N]` → `[MachineEvent]`, newest first.
    public static func listEvents(app: String, id: String, limit: Int? = nil) -> APIRequest {
        APIRequest(.get, machine(app, id, "events"), query: limit.map { [.init("limit", String($0))] } ?? [])
    }

    /// `GET …/ps` → `[ProcessStat]`.
    public static func listProcesses(app: String, id: String, sortBy: String? = nil, order: String? = nil) -> APIRequest {
        var query: [QueryItem] = []
        if let sortBy { query.append(.init("sort_by", sortBy)) }
        if let order { query.append(.init("order", order)) }
        return APIRequest(.get, machine(app, id, "ps"), query: query)
    }

    /// `GET …/versions` → `[MachineVersion]`.
    public static func listVersions(app: String, id: String) -> APIRequest {
        APIRequest(.get, machine(app, id, "versions"))
    }

    /// `GET /v1/orgs/{org_slug}/machines` → ``OrgMachineList``.
    public static func listOrgMachines(orgSlug: String, options: OrgMachineListOptions = .init()) -> APIRequest {
        APIRequest(.get, ["orgs", orgSlug, "machines"], query: options.queryItems)
    }

    /// `GET /v1/openapi.json`: the API's OpenAPI 3.1 document.
    public static func openAPIDocument() -> APIRequest {
        APIRequest(.get, ["openapi.json"])
    }
}

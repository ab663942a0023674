extension APIRequest {
    /// `GET /tarmac/v1/hosts` → `[HostView]`.
    public static func listHosts() -> APIRequest {
        tarmac(.get, ["hosts"])
    }

    /// `GET /tarmac/v1/hosts/{id}` → `HostView`.
    public static func getHost(_ id: String) -> APIRequest {
        tarmac(.get, ["hosts", id])
    }

    /// `POST /tarmac/v1/hosts/{id}/cordon` (or `uncordon`) → `HostView`.
    public static func cordonHost(_ id: String, cordoned: Bool) -> APIRequest {
        tarmac(.post, ["hosts", id, cordoned ? "cordon" : "uncordon"])
    }
}

import TarmacModel

extension APIRequest {
    /// `GET /v1/apps?org_slug=…` → ``AppList``.
    public static func listApps(orgSlug: String = "personal") -> APIRequest {
        APIRequest(.get, ["apps"], query: [.init("org_slug", orgSlug)])
    }

    /// `POST /v1/apps` → 201 ``App``.
    public static func createApp(name: String, orgSlug: String = "personal") throws(ClientError) -> APIRequest {
        try APIRequest(.post, ["apps"]).withJSONBody(CreateAppRequest(name: name, orgSlug: orgSlug))
    }

    /// `GET /v1/apps/{app_name}` → ``App``.
    public static func getApp(_ name: String) -> APIRequest {
        APIRequest(.get, ["apps", name])
    }

    /// `DELETE /v1/apps/{app_name}[?force=true]` → 202.
    public static func deleteApp(_ name: String, force: Bool = false) -> APIRequest {
        APIRequest(.delete, ["apps", name], query: force ? [.init("force", "true")] : [])
    }
}

extension APIRequest {
    /// `GET /v1/platform/regions` → ``PlatformRegions``.
    public static func platformRegions() -> APIRequest {
        APIRequest(.get, ["platform", "regions"])
    }
}

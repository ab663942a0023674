extension APIRequest {
    /// `GET /tarmac/v1/apps/{app}/logs` → `{"lines": [LogLine]}`; with `follow`, an NDJSON
    /// stream of ``LogLine``.
    public static func appLogs(app: String, _ options: LogOptions = LogOptions(), follow: Bool = false) -> APIRequest {
        tarmac(.get, ["apps", app, "logs"], query: options.queryItems + (follow ? [.init("follow", "true")] : []))
    }
}

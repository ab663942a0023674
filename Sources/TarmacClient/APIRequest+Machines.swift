import TarmacModel

extension APIRequest {
    static func machines(_ app: String) -> [String] { ["apps", app, "machines"] }
    static func machine(_ app: String, _ id: String, _ rest: String...) -> [String] { ["apps", app, "machines", id] + rest }

    /// `GET /v1/apps/{app_name}/machines` → `[Machine]`.
    public static func listMachines(app: String, options: MachineListOptions = .init()) -> APIRequest {
        APIRequest(.get, machines(app), query: options.queryItems)
    }

    /// `POST /v1/apps/{app_name}/machines` → ``Machine``.
    public static func createMachine(app: String, _ request: CreateMachineRequest) throws(ClientError) -> APIRequest {
        try APIRequest(.post, machines(app)).withJSONBody(request)
    }

    /// `GET /v1/apps/{app_name}/machines/{machine_id}` → ``Machine``.
    public static func getMachine(app: String, id: String) -> APIRequest {
        APIRequest(.get, machine(app, id))
    }

    /// `POST /v1/apps/{app_name}/machines/{machine_id}` (update; set `current_version` to guard) → ``Machine``.
    public static func updateMachine(app: String, id: String, _ request: CreateMachineRequest, nonce: String? = nil) throws(ClientError) -> APIRequest {
        try APIRequest(.post, machine(app, id)).withJSONBody(request).withLeaseNonce(nonce)
    }

    /// `DELETE /v1/apps/{app_name}/machines/{machine_id}[?force=true]`.
    public static func destroyMachine(app: String, id: String, force: Bool = false, nonce: String? = nil) -> APIRequest {
        APIRequest(.delete, machine(app, id), query: force ? [.init("force", "true")] : []).withLeaseNonce(nonce)
    }

    /// `POST …/start` → ``StartResponse``.
    public static func startMachine(app: String, id: String, nonce: String? = nil) -> APIRequest {
        APIRequest(.post, machine(app, id, "start")).withLeaseNonce(nonce)
    }

    /// `POST …/stop` with a ``StopRequest`` body.
    public static func stopMachine(app: String, id: String, _ request: StopRequest = .init(), nonce: String? = nil) throws(ClientError) -> APIRequest {
        try APIRequest(.post, machine(app, id, "stop")).withJSONBody(request).withLeaseNonce(nonce)
    }

    /// `POST …/restart?signal=&timeout=&force_stop=`.
    public static func restartMachine(app: String, id: String, options: RestartOptions = .init(), nonce: String? = nil) -> APIRequest {
        APIRequest(.post, machine(app, id, "restart"), query: options.queryItems).withLeaseNonce(nonce)
    }

    /// `POST …/suspend`.
    public static func suspendMachine(app: String, id: String, nonce: String? = nil) -> APIRequest {
        APIRequest(.post, machine(app, id, "suspend")).withLeaseNonce(nonce)
    }

    /// `POST …/signal` with `{"signal": "SIGTERM"}`.
    public static func signalMachine(app: String, id: String, signal: MachineSignal, nonce: String? = nil) throws(ClientError) -> APIRequest {
        try APIRequest(.post, machine(app, id, "signal")).withJSONBody(SignalRequest(signal: signal)).withLeaseNonce(nonce)
    }

    /// `POST …/exec` → ``MachineExecResponse``. The request's deadline outlives the
    /// command's timeout (default 30 s), so the server's answer arrives first.
    public static func execMachine(app: String, id: String, _ request: MachineExecRequest) throws(ClientError) -> APIRequest {
        var built = try APIRequest(.post, machine(app, id, "exec")).withJSONBody(request)
        built.timeout = .seconds((request.timeout ?? 30) + 30)
        return built
    }

    /// `POST …/cordon`.
    public static func cordonMachine(app: String, id: String, nonce: String? = nil) -> APIRequest {
        APIRequest(.post, machine(app, id, "cordon")).withLeaseNonce(nonce)
    }

    /// `POST …/uncordon`.
    public static func uncordonMachine(app: String, id: String, nonce: String? = nil) -> APIRequest {
        APIRequest(.post, machine(app, id, "uncordon")).withLeaseNonce(nonce)
    }

    /// `GET …/wait?state=…&timeout=…&version=…` → ``WaitResponse`` or 408.
    ///
    /// The request's own deadline is the server-side timeout plus a margin, so the
    /// server's 408 arrives before the client gives up.
    public static func waitForMachine(app: String, id: String, options: WaitOptions = .init()) -> APIRequest {
        APIRequest(.get, machine(app, id, "wait"), query: options.queryItems, timeout: .seconds(options.timeoutSeconds + 15))
    }
}

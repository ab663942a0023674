import TarmacModel

extension TarmacClient {
    @discardableResult
    public func startMachine(app: String, id: String, nonce: String? = nil) async throws -> StartResponse {
        try await send(.startMachine(app: app, id: id, nonce: nonce), as: StartResponse.self)
    }

    /// Stops a machine with its stop signal (or `request.signal`), killing it after the timeout.
    public func stopMachine(app: String, id: String, _ request: StopRequest = .init(), nonce: String? = nil) async throws {
        _ = try await send(.stopMachine(app: app, id: id, request, nonce: nonce))
    }

    public func restartMachine(app: String, id: String, options: RestartOptions = .init(), nonce: String? = nil) async throws {
        _ = try await send(.restartMachine(app: app, id: id, options: options, nonce: nonce))
    }

    public func suspendMachine(app: String, id: String, nonce: String? = nil) async throws {
        _ = try await send(.suspendMachine(app: app, id: id, nonce: nonce))
    }

    /// Sends a signal to the machine's main process.
    public func signalMachine(app: String, id: String, signal: MachineSignal, nonce: String? = nil) async throws {
        _ = try await send(.signalMachine(app: app, id: id, signal: signal, nonce: nonce))
    }

    /// Runs `command` (argv) inside a started machine and returns its exit status and output.
    /// `stdin` is written to the command's standard input; `timeout` (seconds, 1–3600,
    /// server default 30) kills the command when it runs longer.
    public func execMachine(app: String, id: String, command: [String], stdin: String? = nil, timeout: Int? = nil) async throws -> MachineExecResponse {
        try await send(.execMachine(app: app, id: id, MachineExecRequest(command: command, stdin: stdin, timeout: timeout)), as: MachineExecResponse.self)
    }

    /// Takes the machine out of proxy routing.
    public func cordonMachine(app: String, id: String, nonce: String? = nil) async throws {
        _ = try await send(.cordonMachine(app: app, id: id, nonce: nonce))
    }

    public func uncordonMachine(app: String, id: String, nonce: String? = nil) async throws {
        _ = try await send(.uncordonMachine(app: app, id: id, nonce: nonce))
    }

    /// Long-polls until the machine is in one of `options.states`. A server-side timeout
    /// throws a ``ClientError`` with `httpStatus` 408 (``ClientError/isTimeout``).
    public func waitForMachine(app: String, id: String, options: WaitOptions = .init()) async throws -> WaitResponse {
        try await send(.waitForMachine(app: app, id: id, options: options), as: WaitResponse.self)
    }
}

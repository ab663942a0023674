/// One entry of a machine's event log (`events` of a Machine, newest first).
public struct MachineEvent: Sendable, Hashable, Codable {
    public var id: String
    public var type: String
    public var status: String
    public var source: String
    /// Unix milliseconds.
    public var timestamp: Int64
    public var request: JSONValue?

    public init(id: String, type: String, status: String, source: String, timestamp: Int64, request: JSONValue? = nil) {
        self.id = id
        self.type = type
        self.status = status
        self.source = source
        self.timestamp = timestamp
        self.request = request
    }
}

/// How a machine's main process ended, carried as `request.exit_event` of `exit` events.
public struct ExitEvent: Sendable, Hashable, Codable {
    public var exitCode: Int
    public var guestExitCode: Int
    public var guestSignal: Int
    public var signal: Int
    public var oomKilled: Bool
    public var requestedStop: Bool
    public var restarting: Bool
    /// RFC3339 (Go clients decode it as `time.Time`).
    public var exitedAt: String
    public var error: String?

    public init(exitCode: Int, signal: Int, oomKilled: Bool, requestedStop: Bool, restarting: Bool, exitedAt: String, error: String? = nil) {
        self.exitCode = exitCode
        self.guestExitCode = exitCode
        self.signal = signal
        self.guestSignal = signal
        self.oomKilled = oomKilled
        self.requestedStop = requestedStop
        self.restarting = restarting
        self.exitedAt = exitedAt
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case signal, restarting, error
        case exitCode = "exit_code"
        case guestExitCode = "guest_exit_code"
        case guestSignal = "guest_signal"
        case oomKilled = "oom_killed"
        case requestedStop = "requested_stop"
        case exitedAt = "exited_at"
    }
}

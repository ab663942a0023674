/// Tarmac extension of `MachineConfig`: commands run inside the machine (through exec) at
/// points of its lifecycle. Fly clients ignore the field; Tarmac echoes it.
///
/// - `post_start`: after the machine started, in order; a failure is reported, the
///   machine keeps running.
/// - `pre_stop`: before the stop signal (stop, restart, update, non-forced destroy) and
///   before a suspend, in order, each bounded by its timeout; then the stop goes on.
public struct MachineHooks: Sendable, Hashable, Codable {
    public var postStart: [MachineHook]?
    public var preStop: [MachineHook]?

    public init(postStart: [MachineHook]? = nil, preStop: [MachineHook]? = nil) {
        self.postStart = postStart
        self.preStop = preStop
    }

    enum CodingKeys: String, CodingKey {
        case postStart = "post_start"
        case preStop = "pre_stop"
    }

    /// Which list a hook belongs to (also the `hook` of its events).
    public enum Point: String, Sendable, Hashable, Codable {
        case postStart = "post_start"
        case preStop = "pre_stop"
    }

    public func hooks(at point: Point) -> [MachineHook] {
        switch point {
        case .postStart: postStart ?? []
        case .preStop: preStop ?? []
        }
    }
}

/// One hook: a command (argv, no shell) and how long it may run (default 30 s, at most 5 min).
public struct MachineHook: Sendable, Hashable, Codable {
    public var exec: [String]?
    public var timeout: GoDuration?

    public static let defaultTimeout = GoDuration(seconds: 30)
    public static let maximumTimeout = GoDuration(seconds: 300)

    public init(exec: [String]?, timeout: GoDuration? = nil) {
        self.exec = exec
        self.timeout = timeout
    }

    public var effectiveTimeout: GoDuration { timeout ?? Self.defaultTimeout }
}

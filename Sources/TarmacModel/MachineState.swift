/// Machine states as the Machines API names them.
public enum MachineState: String, Sendable, Codable, CaseIterable {
    case created, starting, started, stopping, stopped, suspending, suspended, failed
    case restarting, replacing, updating, destroying, destroyed
    case launchFailed = "launch_failed"

    /// States the API waits on and lists; transient states are only observed in passing.
    public var isSettled: Bool {
        switch self {
        case .created, .started, .stopped, .suspended, .failed, .destroyed: true
        default: false
        }
    }
}

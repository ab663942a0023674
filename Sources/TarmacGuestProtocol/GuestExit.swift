/// How the machine's main process ended, as init saw it. Sent on the control channel and
/// written (framed) to the exit port, so the host has it even when nobody was listening.
public struct GuestExit: Sendable, Hashable {
    /// Exit code when the process exited normally, else 0.
    public var exitCode: Int32
    /// Signal that killed the process, else 0.
    public var signal: Int32
    /// The kernel's OOM killer fired while the machine ran (`oom_kill` in /proc/vmstat grew).
    public var oomKilled: Bool
    /// Set when init failed rather than the process (e.g. the program could not be executed).
    public var error: String?

    public init(exitCode: Int32, signal: Int32, oomKilled: Bool, error: String? = nil) {
        self.exitCode = exitCode
        self.signal = signal
        self.oomKilled = oomKilled
        self.error = error
    }

    func encode(into writer: inout WireWriter) {
        writer.i64(Int64(exitCode))
        writer.i64(Int64(signal))
        writer.bool(oomKilled)
        writer.optionalString(error)
    }

    init(from reader: inout WireReader) throws(GuestProtocolError) {
        exitCode = Int32(truncatingIfNeeded: try reader.i64())
        signal = Int32(truncatingIfNeeded: try reader.i64())
        oomKilled = try reader.bool()
        error = try reader.optionalString()
    }
}

/// An interactive session to open in a started machine (`AgentAPI.openConsole`): a command
/// on a new terminal of `rows` × `columns`. Validated by the control plane.
public struct AgentConsoleRequest: Sendable, Hashable, Codable {
    public var command: [String]
    /// Extra `KEY=value` entries (`TERM` among them).
    public var environment: [String]
    public var user: String?
    public var rows: UInt16
    public var columns: UInt16

    public init(command: [String], environment: [String] = [], user: String? = nil, rows: UInt16 = 24, columns: UInt16 = 80) {
        self.command = command
        self.environment = environment
        self.user = user
        self.rows = rows
        self.columns = columns
    }
}

/// What the terminal of a session does, in order; `.exit` is the last.
public enum AgentConsoleOutput: Sendable, Hashable {
    case output([UInt8])
    case exit(code: Int, signal: Int)
}

/// An open interactive session: the terminal's output (ends after `.exit`, or without it when
/// the machine or the connection went away) and the keyboard side. `hangUp()` is a closed
/// terminal: the program gets SIGHUP, and its exit still follows on `events`.
/// `events` has one reader.
public final class AgentConsoleSession: Sendable {
    public let events: AsyncThrowingStream<AgentConsoleOutput, any Error>
    private let writer: @Sendable ([UInt8]) -> Void
    private let resizer: @Sendable (UInt16, UInt16) -> Void
    private let closer: @Sendable () -> Void

    public init(
        events: AsyncThrowingStream<AgentConsoleOutput, any Error>, write: @escaping @Sendable ([UInt8]) -> Void,
        resize: @escaping @Sendable (UInt16, UInt16) -> Void, hangUp: @escaping @Sendable () -> Void
    ) {
        self.events = events
        self.writer = write
        self.resizer = resize
        self.closer = hangUp
    }

    public func write(_ bytes: [UInt8]) { writer(bytes) }
    public func resize(rows: UInt16, columns: UInt16) { resizer(rows, columns) }
    public func hangUp() { closer() }
}

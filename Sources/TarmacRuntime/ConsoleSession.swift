/// What opens an interactive session in a running machine: a command on a new terminal.
public struct ConsoleRequest: Sendable, Hashable {
    /// argv; the first element is the program.
    public var command: [String]
    /// Extra `KEY=value` entries on top of the machine's environment.
    public var environment: [String]
    /// `uid[:gid]` or a user name; nil: root.
    public var user: String?
    public var workingDirectory: String?
    public var rows: UInt16
    public var columns: UInt16

    public init(command: [String], environment: [String] = [], user: String? = nil, workingDirectory: String? = nil, rows: UInt16 = 24, columns: UInt16 = 80) {
        self.command = command
        self.environment = environment
        self.user = user
        self.workingDirectory = workingDirectory
        self.rows = rows
        self.columns = columns
    }
}

/// What a session's terminal does.
public enum ConsoleEvent: Sendable, Hashable {
    /// Bytes the terminal printed.
    case output([UInt8])
    /// The session's program ended (the last event). A signal N is `signal` N, code 0.
    case exit(code: Int, signal: Int)
}

/// A running interactive session (`RuntimeDriver.console`): the terminal's output as a
/// stream that ends after `.exit` (or without it when the machine went away), and the
/// keyboard side. `close()` hangs the terminal up (the program gets SIGHUP); the stream still
/// delivers the exit that follows.
public final class ConsoleSession: Sendable {
    public let events: AsyncStream<ConsoleEvent>
    private let writer: @Sendable ([UInt8]) -> Void
    private let resizer: @Sendable (UInt16, UInt16) -> Void
    private let closer: @Sendable () -> Void

    public init(
        events: AsyncStream<ConsoleEvent>, write: @escaping @Sendable ([UInt8]) -> Void,
        resize: @escaping @Sendable (UInt16, UInt16) -> Void, close: @escaping @Sendable () -> Void
    ) {
        self.events = events
        self.writer = write
        self.resizer = resize
        self.closer = close
    }

    public func write(_ bytes: [UInt8]) { writer(bytes) }
    public func resize(rows: UInt16, columns: UInt16) { resizer(rows, columns) }
    public func close() { closer() }
}

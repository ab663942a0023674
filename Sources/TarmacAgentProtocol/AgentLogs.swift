/// A query of the logs an agent keeps for its machines (also of machines it has destroyed,
/// until their retention period ends).
public struct AgentLogsRequest: Sendable, Hashable, Codable {
    public enum Order: String, Sendable, Hashable, Codable {
        /// The newest `limit` matching lines (a tail).
        case newest
        /// The oldest `limit` matching lines (reading on from a cursor or a time).
        case oldest
    }

    public var machineIDs: [String]
    /// Per machine, only lines numbered above this one.
    public var after: [String: Int64]
    /// Only lines collected at or after this time (unix nanoseconds).
    public var since: Int64?
    public var limit: Int
    public var order: Order

    public init(machineIDs: [String], after: [String: Int64] = [:], since: Int64? = nil, limit: Int, order: Order) {
        self.machineIDs = machineIDs
        self.after = after
        self.since = since
        self.limit = limit
        self.order = order
    }

    /// The most lines one answer carries.
    public static let maximumLimit = 10_000
}

/// One line of a machine's log: when the agent collected it (unix nanoseconds) and its
/// number in the machine's log (from 1, never reused).
public struct AgentLogLine: Sendable, Hashable, Codable {
    public var machineID: String
    public var timestamp: Int64
    public var number: Int64
    public var message: String

    public init(machineID: String, timestamp: Int64, number: Int64, message: String) {
        self.machineID = machineID
        self.timestamp = timestamp
        self.number = number
        self.message = message
    }

    /// Time order; lines of one pass share a time, so the machine and number break ties.
    public static func precedes(_ a: AgentLogLine, _ b: AgentLogLine) -> Bool {
        (a.timestamp, a.machineID, a.number) < (b.timestamp, b.machineID, b.number)
    }
}

public struct AgentLogsResponse: Sendable, Hashable, Codable {
    /// Oldest first.
    public var lines: [AgentLogLine]
    /// Per machine asked about, the number of its newest line (0: none yet), so a reader of a
    /// tail can follow on from there.
    public var newest: [String: Int64]

    public init(lines: [AgentLogLine], newest: [String: Int64]) {
        self.lines = lines
        self.newest = newest
    }
}

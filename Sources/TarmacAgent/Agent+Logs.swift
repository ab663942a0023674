import TarmacAgentProtocol
import TarmacModel

extension Agent {
    /// Most bytes of messages one answer carries; a query over many long lines gets the part
    /// that fits (nearest its cursor) and reads on from there.
    static let logAnswerBudget = 8 << 20

    /// Lines of the logs this agent keeps, of live machines and of destroyed ones within the
    /// retention period, merged in time order. Reads the collected files only: it never waits
    /// for a machine or its supervisor.
    public func logs(_ request: AgentLogsRequest) async throws -> AgentLogsResponse {
        guard (1...AgentLogsRequest.maximumLimit).contains(request.limit) else {
            throw AgentError(.invalidArgument, "limit must be between 1 and \(AgentLogsRequest.maximumLimit), got \(request.limit)")
        }
        // The ids name files: anything but a machine id (a path, "..") is refused.
        if let bad = request.machineIDs.first(where: { !Identifiers.isMachineID($0) }) {
            throw AgentError(.invalidArgument, "not a machine id: \"\(bad)\"")
        }
        let collector = LogCollector(directory: environment.logsDirectory)
        let oldest = request.order == .oldest
        var newest: [String: Int64] = [:]
        var lines: [AgentLogLine] = []
        for id in Set(request.machineIDs) {
            // Read before the records: a line collected in between is then read again from the
            // cursor, never skipped.
            newest[id] = collector.newestNumber(id)
            let records = collector.records(id, after: request.after[id] ?? 0, since: request.since, limit: request.limit, oldest: oldest)
            lines += records.map { AgentLogLine(machineID: id, timestamp: $0.timestamp, number: $0.number, message: $0.message) }
        }
        lines.sort(by: AgentLogLine.precedes)
        lines = oldest ? Array(lines.prefix(request.limit)) : Array(lines.suffix(request.limit))
        return AgentLogsResponse(lines: Self.withinBudget(lines, keepOldest: oldest), newest: newest)
    }

    /// The lines whose messages fit `logAnswerBudget`, kept from the oldest end or the newest.
    static func withinBudget(_ lines: [AgentLogLine], keepOldest: Bool, budget: Int = logAnswerBudget) -> [AgentLogLine] {
        var total = 0
        var count = 0
        for line in keepOldest ? AnyCollection(lines) : AnyCollection(lines.reversed()) {
            total += line.message.utf8.count + 64
            if total > budget, count > 0 { break }
            count += 1
        }
        return keepOldest ? Array(lines.prefix(count)) : Array(lines.suffix(count))
    }
}

import Foundation
import Logging
import TarmacAgentProtocol
import TarmacModel
import TarmacStore

/// An app's logs: the host agents keep them (`LogCollector`), the control plane asks the
/// hosts of the app's machines and merges their answers in time order.
extension Control {
    /// How long after its destruction a machine's logs are kept (and asked for).
    public static let logRetention: TimeInterval = 7 * 86_400
    /// How often a follower asks the hosts for new lines.
    static let logFollowInterval: Duration = .milliseconds(250)

    /// The app's lines `query` selects, oldest first.
    public func logs(app: String, query: LogQuery) async throws -> [LogLine] {
        let machines = try await logMachines(app: app, query: query, destroyedWithin: Self.logRetention)
        return try await fetchLogs(machines, after: [:], query: query, order: query.order, tolerant: false).lines
    }

    /// Follows the app's logs until cancelled or `handle` throws: first what `logs` answers,
    /// then every new line of the app's machines (machines created meanwhile included), in
    /// batches; an empty batch whenever `idle` passed without lines (for keep-alives). A
    /// host that cannot be reached is asked again on the next pass; nothing is skipped.
    public func followLogs(app: String, query: LogQuery, idle: Duration, _ handle: ([LogLine]) async throws -> Void) async throws {
        var machines = try await logMachines(app: app, query: query, destroyedWithin: Self.logRetention)
        let first = try await fetchLogs(machines, after: [:], query: query, order: query.order, tolerant: false)
        // A tail skips what is older than it; a read from `since` goes on from its last lines.
        var cursor = query.order == .newest ? first.newest : [:]
        advance(&cursor, past: first.lines)
        try await handle(first.lines)
        var quietSince = ContinuousClock.now
        while !Task.isCancelled {
            let batch = try await fetchLogs(machines, after: cursor, query: query, order: .oldest, tolerant: true)
            advance(&cursor, past: batch.lines)
            if !batch.lines.isEmpty {
                try await handle(batch.lines)
                quietSince = .now
                // A full batch: more is waiting, ask again at once.
                if batch.lines.count >= query.limit { continue }
            } else if ContinuousClock.now - quietSince >= idle {
                try await handle([])
                quietSince = .now
            }
            try await Task.sleep(for: Self.logFollowInterval)
            // New machines join; destroyed ones stay a minute so their last lines get through.
            if let current = try? await logMachines(app: app, query: query, destroyedWithin: 60) { machines = current }
        }
    }

    /// Throws what `logs` would for an app or machine that does not exist (a follower checks
    /// before its stream starts, while it can still answer 404).
    public func checkLogScope(app: String, query: LogQuery) async throws {
        _ = try await logMachines(app: app, query: query, destroyedWithin: Self.logRetention)
    }

    private func advance(_ cursor: inout [String: Int64], past lines: [LogLine]) {
        for line in lines { cursor[line.machineID] = max(cursor[line.machineID] ?? 0, line.number) }
    }

    /// The app's machines whose logs the query reads: live ones, and destroyed ones within
    /// `destroyedWithin` seconds of their destruction. A machine the app never had is a 404.
    private func logMachines(app: String, query: LogQuery, destroyedWithin: TimeInterval) async throws -> [MachineRecord] {
        _ = try await appRecord(app)
        let cutoff = Date().addingTimeInterval(-destroyedWithin)
        var machines = try await store.machines(appName: app, includeDeleted: true)
        if let id = query.machineID {
            machines = machines.filter { $0.id == id }
            if machines.isEmpty { throw ControlError.machineNotFound() }
            return machines
        }
        return machines.filter { record in
            (query.region.map { record.region == $0 } ?? true) && (record.destroyedAt.map { $0 >= cutoff } ?? true)
        }
    }

    /// Asks each host for its machines' lines and merges them. `tolerant`: a host that fails
    /// is skipped (and logged) instead of failing the whole answer.
    private func fetchLogs(
        _ machines: [MachineRecord], after: [String: Int64], query: LogQuery, order: AgentLogsRequest.Order, tolerant: Bool
    ) async throws -> (lines: [LogLine], newest: [String: Int64]) {
        let regions = Dictionary(machines.map { ($0.id, $0.region) }, uniquingKeysWith: { first, _ in first })
        var lines: [AgentLogLine] = []
        var newest: [String: Int64] = [:]
        for (hostID, hostMachines) in Dictionary(grouping: machines, by: \.hostID) {
            let ids = hostMachines.map(\.id)
            let request = AgentLogsRequest(
                machineIDs: ids, after: after.filter { ids.contains($0.key) }, since: query.since, limit: query.limit, order: order)
            do {
                let answer = try await host(id: hostID).api.logs(request)
                lines += answer.lines
                newest.merge(answer.newest) { max($0, $1) }
            } catch {
                guard tolerant else { throw Self.mapAgentError(error) }
                logger.warning("could not read logs from a host; trying again", metadata: ["host_id": "\(hostID)", "error": "\(error)"])
            }
        }
        lines.sort(by: AgentLogLine.precedes)
        lines = order == .oldest ? Array(lines.prefix(query.limit)) : Array(lines.suffix(query.limit))
        var formatter = Timestamps.NanosFormatter()
        let view = lines.map {
            LogLine(timestamp: formatter.format($0.timestamp), machineID: $0.machineID, region: regions[$0.machineID] ?? "",
                    number: $0.number, message: $0.message)
        }
        return (view, newest)
    }
}

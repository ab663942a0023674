import Foundation
import TarmacAgentProtocol
import TarmacModel

/// A validated query of an app's logs (`GET /tarmac/v1/apps/{app}/logs`): which machines,
/// from when, how many lines. Pure: parsing it needs only the time it is asked at.
public struct LogQuery: Sendable, Hashable {
    public static let defaultLimit = 100

    /// Only this machine's lines.
    public var machineID: String?
    /// Only lines of machines in this region.
    public var region: String?
    /// Only lines collected at or after this time (unix nanoseconds). Given, the answer reads
    /// forward from it (the oldest `limit` lines); absent, it is the newest `limit` lines.
    public var since: Int64?
    public var limit: Int

    public var order: AgentLogsRequest.Order { since == nil ? .newest : .oldest }

    /// `since` is an RFC 3339 time or a Go duration back from `now` (`10m`, `1h30m`).
    public init(machineID: String?, region: String?, since: String?, limit: String?, now: Date = Date()) throws {
        self.machineID = machineID.flatMap { $0.isEmpty ? nil : $0 }
        self.region = region.flatMap { $0.isEmpty ? nil : $0 }
        self.since = try since.flatMap { $0.isEmpty ? nil : try Self.parseSince($0, now: now) }
        if let limit, !limit.isEmpty {
            guard let value = Int(limit), (1...AgentLogsRequest.maximumLimit).contains(value) else {
                throw ControlError(.badRequest, "invalid_argument: limit must be a whole number from 1 to \(AgentLogsRequest.maximumLimit), got \"\(limit)\"")
            }
            self.limit = value
        } else {
            self.limit = Self.defaultLimit
        }
    }

    static func parseSince(_ text: String, now: Date) throws -> Int64 {
        if let nanos = Timestamps.parseRFC3339Nanos(text) { return nanos }
        if let duration = GoDuration(parsing: text), duration.nanoseconds > 0 {
            let nowNanos = Int64((now.timeIntervalSince1970 * 1e9).rounded(.down))
            return nowNanos - duration.nanoseconds
        }
        throw ControlError(.badRequest, "invalid_argument: since must be an RFC 3339 time (2026-12-04T10:00:00Z) or a positive duration back from now (10m, 1h30m), got \"\(text)\"")
    }
}

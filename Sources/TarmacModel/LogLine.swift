import Foundation

/// One line of a machine's log as `GET /tarmac/v1/apps/{app}/logs` returns it (and as each
/// NDJSON line of its `follow=true` stream): when the host collected it, RFC 3339 with
/// nanoseconds; the machine and its region; its number in the machine's log (from 1, never
/// reused, so a reader can tell a gap from a quiet machine); the text without its newline.
public struct LogLine: Sendable, Hashable, Codable {
    public var timestamp: String
    public var machineID: String
    public var region: String
    public var number: Int64
    public var message: String

    public init(timestamp: String, machineID: String, region: String, number: Int64, message: String) {
        self.timestamp = timestamp
        self.machineID = machineID
        self.region = region
        self.number = number
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case timestamp
        case machineID = "machine_id"
        case region
        case number
        case message
    }
}

/// One machine event of an app with its place in the store's event log: `sequence` grows
/// with every event written (one writer, so commit order is sequence order), which makes it
/// the resume point of the app's live event feed.
public struct AppEvent: Sendable, Hashable, Codable {
    public var sequence: Int64
    public var machineID: String
    public var event: MachineEvent

    public init(sequence: Int64, machineID: String, event: MachineEvent) {
        self.sequence = sequence
        self.machineID = machineID
        self.event = event
    }

    enum CodingKeys: String, CodingKey {
        case sequence
        case machineID = "machine_id"
        case event
    }
}

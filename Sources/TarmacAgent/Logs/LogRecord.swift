/// One line of a machine's log as the agent keeps it (a JSON object per line of
/// `<logs>/<id>.jsonl`): when the agent collected it (unix nanoseconds), its number in the
/// machine's log (from 1, never reused), and the text without its newline.
public struct LogRecord: Sendable, Hashable, Codable {
    public var timestamp: Int64
    public var number: Int64
    public var message: String

    public init(timestamp: Int64, number: Int64, message: String) {
        self.timestamp = timestamp
        self.number = number
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case timestamp = "t"
        case number = "n"
        case message = "m"
    }
}

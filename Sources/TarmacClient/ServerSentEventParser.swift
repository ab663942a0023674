/// Parses a `text/event-stream` (pure): lines end in LF, CRLF or CR; `id`, `event` and
/// `data` fields (several `data` lines join with LF); lines starting with `:` are comments;
/// a blank line ends an event. Bytes may arrive in pieces of any size.
public struct ServerSentEventParser: Sendable {
    public struct Event: Sendable, Equatable {
        public var id: String?
        public var type: String?
        public var data: String

        public init(id: String? = nil, type: String? = nil, data: String) {
            self.id = id
            self.type = type
            self.data = data
        }
    }

    private var line: [UInt8] = []
    private var afterCR = false
    private var id: String?
    private var type: String?
    private var data: [String] = []

    public init() {}

    /// Feeds bytes; returns the events they completed.
    public mutating func append(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if afterCR {
                afterCR = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                afterCR = byte == UInt8(ascii: "\r")
                if let event = endLine() { events.append(event) }
            } else {
                line.append(byte)
            }
        }
        return events
    }

    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        guard !line.isEmpty else {
            defer { (type, data) = (nil, []) }
            guard !data.isEmpty else { return nil }
            return Event(id: id, type: type, data: data.joined(separator: "\n"))
        }
        guard line.first != UInt8(ascii: ":") else { return nil }
        let text = String(decoding: line, as: UTF8.self)
        let name: Substring, value: Substring
        if let colon = text.firstIndex(of: ":") {
            name = text[..<colon]
            let rest = text[text.index(after: colon)...]
            value = rest.first == " " ? rest.dropFirst() : rest
        } else {
            (name, value) = (text[...], "")
        }
        switch name {
        case "id": id = String(value)
        case "event": type = String(value)
        case "data": data.append(String(value))
        default: break
        }
        return nil
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TarmacControl
import TarmacModel

/// The `text/event-stream` framing of the app event feed (pure): one event per machine
/// event, its id the store sequence (what `Last-Event-ID` resumes from), its type the
/// machine event's type, its data the event as JSON on one line. Comments keep idle
/// connections (and proxies in front of them) open.
enum ServerSentEvents {
    static let contentType = "text/event-stream"
    static let lastEventIDField = HTTPField.Name("Last-Event-ID")
    /// How long a connection may stay silent before a keep-alive comment is sent.
    static let keepAliveInterval: Duration = .seconds(15)
    /// How long one wait for new events lasts before the store is read again.
    static let pollInterval: Duration = .seconds(1)

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }()

    static func frame(_ event: AppEvent) throws -> String {
        let data = String(decoding: try encoder.encode(event), as: UTF8.self)
        return "id: \(event.sequence)\nevent: \(oneLine(event.event.type))\ndata: \(data)\n\n"
    }

    /// The first frame: how long a client should wait before reconnecting, and where it starts.
    static func opening(after cursor: Int64) -> String {
        "retry: 1000\n: events after \(cursor)\n\n"
    }

    static let keepAlive = ": keep-alive\n\n"

    /// `Last-Event-ID` as a sequence; nil when absent or empty, an error when not a number.
    static func lastEventID(_ header: String?) throws(ControlError) -> Int64? {
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        guard let value = Int64(header.trimmingCharacters(in: .whitespaces)), value >= 0 else {
            throw ControlError(.badRequest, "invalid_argument: Last-Event-ID must be the id of an event received from this feed (a number), got \"\(header)\"")
        }
        return value
    }

    /// Where a follower of the feed starts: `Last-Event-ID` wins over `after`; nil for "from now".
    static func resumePoint(_ request: Request) throws -> Int64? {
        let header = lastEventIDField.flatMap { request.headers[$0] }
        if let resume = try lastEventID(header) { return resume }
        return try request.queryInt("after").map(Int64.init)
    }

    private static func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
    }
}


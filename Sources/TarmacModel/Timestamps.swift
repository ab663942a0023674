import Foundation

/// The time formats of the Machines API: RFC3339 with seconds (`2023-10-31T02:30:10Z`),
/// RFC3339 with milliseconds, Unix milliseconds and Unix seconds.
public enum Timestamps {
    public static func rfc3339(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon).timeZone(separator: .omitted))
    }

    public static func rfc3339Millis(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted))
    }

    public static func parseRFC3339(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// RFC 3339 in UTC with nine fractional digits (`2026-12-04T18:02:07.123456789Z`), so
    /// lines collected within one millisecond still sort by their text.
    public static func rfc3339Nanos(unixNanos: Int64) -> String {
        var formatter = NanosFormatter()
        return formatter.format(unixNanos)
    }

    /// `rfc3339Nanos` for many times in a row (log lines): the date part is formatted once per
    /// second, not once per line.
    public struct NanosFormatter: Sendable {
        private var second: Int64?
        private var prefix = ""

        public init() {}

        public mutating func format(_ unixNanos: Int64) -> String {
            let (seconds, fraction) = unixNanos.quotientAndRemainder(dividingBy: 1_000_000_000)
            let (wholeSeconds, nanos) = fraction < 0 ? (seconds - 1, fraction + 1_000_000_000) : (seconds, fraction)
            if wholeSeconds != second {
                second = wholeSeconds
                prefix = String(Timestamps.rfc3339(Date(timeIntervalSince1970: Double(wholeSeconds))).dropLast())
            }
            let digits = String(nanos)
            return prefix + "." + String(repeating: "0", count: 9 - digits.count) + digits + "Z"
        }
    }

    /// Parses RFC 3339 keeping every fractional digit (up to nanoseconds), as unix nanoseconds.
    public static func parseRFC3339Nanos(_ text: String) -> Int64? {
        // Foundation's parser wants an upper-case `T` and `Z`; RFC 3339 allows `t`, `z` and a space.
        let text = text.uppercased().replacingOccurrences(of: " ", with: "T")
        guard isValidRFC3339(text), let date = parseRFC3339(text) else { return nil }
        var seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        var nanos: Int64 = 0
        // The fraction, read from the text: Date keeps only about a microsecond of it.
        if let dot = text.firstIndex(of: ".") {
            let digits = text[text.index(after: dot)...].prefix(while: \.isNumber)
            let padded = String(digits.prefix(9)).padding(toLength: 9, withPad: "0", startingAt: 0)
            nanos = Int64(padded) ?? 0
            // Date rounded the fraction; the whole seconds come from it.
            seconds = Int64((date.timeIntervalSince1970 - Double(nanos) / 1e9).rounded())
        }
        return seconds * 1_000_000_000 + nanos
    }

    /// Whether `text` is RFC 3339 with fields in range (the parser itself rolls February 30
    /// over into March): `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    public static func isValidRFC3339(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count, range.allSatisfy({ (48...57).contains(bytes[$0]) }) else { return nil }
            return range.reduce(0) { $0 * 10 + Int(bytes[$1] - 48) }
        }
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[13] == UInt8(ascii: ":"),
              bytes[16] == UInt8(ascii: ":"), [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(bytes[10]),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), hour < 24, minute < 60, second <= 60 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return false }
        var index = 19
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
            guard index > start else { return false }
        }
        let zone = bytes[index...]
        if zone.count == 1 { return zone.first == UInt8(ascii: "Z") || zone.first == UInt8(ascii: "z") }
        guard zone.count == 6, let sign = zone.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"),
              let zoneHour = number((index + 1)..<(index + 3)), bytes[index + 3] == UInt8(ascii: ":"),
              let zoneMinute = number((index + 4)..<(index + 6)) else { return false }
        return zoneHour < 24 && zoneMinute < 60
    }

    public static func unixMillis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
    public static func date(unixMillis: Int64) -> Date { Date(timeIntervalSince1970: Double(unixMillis) / 1000) }
}

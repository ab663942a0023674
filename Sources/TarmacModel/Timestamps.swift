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

    public static func unixMillis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
    public static func date(unixMillis: Int64) -> Date { Date(timeIntervalSince1970: Double(unixMillis) / 1000) }
}

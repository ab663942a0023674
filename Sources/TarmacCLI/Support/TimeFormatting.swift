import Foundation
import TarmacModel

/// Human-readable times and durations for tables.
enum TimeFormatting {
    /// `5s ago`, `3m ago`, `2h ago`, `4d ago`; `just now` under a second; future times as `in 5s`.
    static func relative(_ date: Date, now: Date) -> String {
        let delta = now.timeIntervalSince(date)
        if abs(delta) < 1 { return "just now" }
        let text = compact(seconds: abs(delta))
        return delta > 0 ? "\(text) ago" : "in \(text)"
    }

    /// `42s`, `3m`, `2h`, `4d`: the largest whole unit.
    static func compact(seconds: Double) -> String {
        let whole = Int(seconds)
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m" }
        if whole < 86_400 { return "\(whole / 3600)h" }
        return "\(whole / 86_400)d"
    }

    /// Elapsed time for progress lines: `0.4s`, `12.3s`, `2m05s`.
    static func elapsed(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if seconds < 60 {
            let tenths = attoseconds / 100_000_000_000_000_000
            return "\(seconds).\(tenths)s"
        }
        let remainder = seconds % 60
        return "\(seconds / 60)m" + (remainder < 10 ? "0" : "") + "\(remainder)s"
    }

    /// RFC3339 timestamp of a machine (`2023-10-31T02:30:10Z`) relative to `now`, or the text as-is.
    static func relative(rfc3339 text: String, now: Date) -> String {
        guard let date = Timestamps.parseRFC3339(text) else { return text }
        return relative(date, now: now)
    }

    /// An event's Unix-milliseconds timestamp as RFC3339 UTC with milliseconds.
    static func eventTime(_ millis: Int64) -> String {
        Timestamps.rfc3339Millis(Timestamps.date(unixMillis: millis))
    }
}

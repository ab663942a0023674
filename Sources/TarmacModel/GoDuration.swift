import Foundation

/// Durations as the Machines API carries them: Go duration strings (`"10s"`, `"1m30s"`,
/// `"500ms"`) or JSON numbers meaning nanoseconds, as fly-go encodes them.
public struct GoDuration: Sendable, Hashable, Codable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    public init(seconds: Double) { self.nanoseconds = Int64((seconds * 1_000_000_000).rounded()) }

    public var seconds: Double { Double(nanoseconds) / 1_000_000_000 }
    public var duration: Duration { .nanoseconds(nanoseconds) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            self.nanoseconds = number
        } else if let number = try? container.decode(Double.self) {
            self.nanoseconds = Int64(number)
        } else {
            let text = try container.decode(String.self)
            guard let parsed = GoDuration(parsing: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid duration \"\(text)\" (use a Go duration such as \"10s\" or \"1m30s\")")
            }
            self = parsed
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Parses Go's `time.ParseDuration` syntax exactly (integer arithmetic, like Go): an
    /// optional sign and decimal numbers with units `ns`, `us`/`µs`, `ms`, `s`, `m`, `h`.
    public init?(parsing text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        var negative = false
        if rest.first == "-" || rest.first == "+" {
            negative = rest.first == "-"
            rest = rest.dropFirst()
        }
        if rest == "0" { self.nanoseconds = 0; return }
        guard !rest.isEmpty else { return nil }
        var total: Int64 = 0
        while !rest.isEmpty {
            let whole = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(whole.count)
            var fraction = Substring("")
            if rest.first == "." {
                rest = rest.dropFirst()
                fraction = rest.prefix { $0.isASCII && $0.isNumber }
                rest = rest.dropFirst(fraction.count)
            }
            guard !whole.isEmpty || !fraction.isEmpty else { return nil }
            let unitPart = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            rest = rest.dropFirst(unitPart.count)
            let unit: Int64
            switch unitPart {
            case "ns": unit = 1
            case "us", "µs", "μs": unit = 1_000
            case "ms": unit = 1_000_000
            case "s": unit = 1_000_000_000
            case "m": unit = 60_000_000_000
            case "h": unit = 3_600_000_000_000
            default: return nil
            }
            guard let wholeValue = whole.isEmpty ? 0 : Int64(whole) else { return nil }
            let (scaled, overflow) = wholeValue.multipliedReportingOverflow(by: unit)
            guard !overflow else { return nil }
            // The fraction contributes unit × 0.fraction, computed digit by digit without floats.
            var fractionValue: Int64 = 0
            var scale = unit
            for digit in fraction {
                scale /= 10
                guard scale > 0, let value = digit.wholeNumberValue else { break }
                fractionValue += Int64(value) * scale
            }
            let (sum, sumOverflow) = total.addingReportingOverflow(scaled + fractionValue)
            guard !sumOverflow else { return nil }
            total = sum
        }
        self.nanoseconds = negative ? -total : total
    }

    /// Formats like Go's `Duration.String()`: `"10s"`, `"1m30s"`, `"1.5s"`, `"500ms"`, `"0s"`.
    public var description: String {
        if nanoseconds == 0 { return "0s" }
        let sign = nanoseconds < 0 ? "-" : ""
        let value = nanoseconds.magnitude
        if value < 1_000 { return "\(sign)\(value)ns" }
        if value < 1_000_000 { return sign + Self.fraction(value, unit: 1_000) + "µs" }
        if value < 1_000_000_000 { return sign + Self.fraction(value, unit: 1_000_000) + "ms" }
        let hours = value / 3_600_000_000_000
        let minutes = (value / 60_000_000_000) % 60
        let secondsPart = value % 60_000_000_000
        var out = sign
        if hours > 0 { out += "\(hours)h" }
        if hours > 0 || minutes > 0 { out += "\(minutes)m" }
        out += Self.fraction(secondsPart, unit: 1_000_000_000) + "s"
        return out
    }

    private static func fraction(_ value: UInt64, unit: UInt64) -> String {
        let whole = value / unit
        var remainder = value % unit
        guard remainder > 0 else { return "\(whole)" }
        var digits = ""
        var scale = unit / 10
        while remainder > 0, scale > 0 {
            digits += "\(remainder / scale)"
            remainder %= scale
            scale /= 10
        }
        return "\(whole).\(digits)"
    }
}


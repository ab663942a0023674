/// An IPv4 address as a 32-bit number, printable and parseable in dotted-quad form.
public struct IPv4Address: Sendable, Hashable, Comparable, Codable, CustomStringConvertible, LosslessStringConvertible {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    /// Parses `a.b.c.d`; nil for anything else (no leading `+`, no empty parts, each 0–255).
    public init?(_ description: String) {
        let parts = description.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                  let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        self.value = value
    }

    public var description: String {
        "\(value >> 24 & 0xff).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }

    /// The address `offset` positions further, or nil when it would overflow.
    public func advanced(by offset: Int64) -> IPv4Address? {
        let result = Int64(value) + offset
        guard result >= 0, result <= Int64(UInt32.max) else { return nil }
        return IPv4Address(UInt32(result))
    }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let address = IPv4Address(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an IPv4 address: \(text)")
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

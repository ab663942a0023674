/// Reads values written by `WireWriter`; every read checks bounds and throws on truncation.
public struct WireReader: Sendable {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { offset == bytes.count }

    private mutating func take(_ count: Int) throws(GuestProtocolError) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - offset >= count else { throw GuestProtocolError("message truncated") }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    public mutating func u8() throws(GuestProtocolError) -> UInt8 { try take(1).first ?? 0 }

    public mutating func u16() throws(GuestProtocolError) -> UInt16 {
        try take(2).reduce(0) { $0 << 8 | UInt16($1) }
    }

    public mutating func u32() throws(GuestProtocolError) -> UInt32 {
        try take(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    public mutating func i64() throws(GuestProtocolError) -> Int64 {
        Int64(bitPattern: try take(8).reduce(0) { $0 << 8 | UInt64($1) })
    }

    public mutating func bool() throws(GuestProtocolError) -> Bool { try u8() != 0 }

    public mutating func data() throws(GuestProtocolError) -> [UInt8] {
        let count = Int(try u32())
        guard count <= GuestProtocol.maxFrame else { throw GuestProtocolError("field of \(count) bytes is too large") }
        return Array(try take(count))
    }

    public mutating func string() throws(GuestProtocolError) -> String {
        String(decoding: try data(), as: UTF8.self)
    }

    public mutating func strings() throws(GuestProtocolError) -> [String] {
        let count = Int(try u32())
        guard count <= bytes.count - offset else { throw GuestProtocolError("list of \(count) entries is truncated") }
        var values: [String] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try string()) }
        return values
    }

    public mutating func optionalString() throws(GuestProtocolError) -> String? {
        try bool() ? try string() : nil
    }
}

/// The guest protocol module's one error type.
public struct GuestProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

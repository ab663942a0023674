/// Appends values in the guest protocol's binary layout: fixed-width big-endian integers,
/// length-prefixed byte strings and arrays. No Foundation, so `tarmac-init` can use it.
public struct WireWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func u8(_ value: UInt8) { bytes.append(value) }

    public mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    public mutating func u32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    public mutating func i64(_ value: Int64) {
        let raw = UInt64(bitPattern: value)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: raw >> UInt64(shift))) }
    }

    public mutating func bool(_ value: Bool) { u8(value ? 1 : 0) }

    public mutating func data(_ value: [UInt8]) {
        u32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func string(_ value: String) { data(Array(value.utf8)) }

    public mutating func strings(_ values: [String]) {
        u32(UInt32(values.count))
        for value in values { string(value) }
    }

    public mutating func optionalString(_ value: String?) {
        bool(value != nil)
        if let value { string(value) }
    }

    /// The payload framed for the wire: length prefix + bytes.
    public var framed: [UInt8] {
        var frame = WireWriter()
        frame.data(bytes)
        return frame.bytes
    }
}

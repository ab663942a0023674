/// Encoding of rtnetlink messages (pure): headers, `ifinfomsg` and attributes, all in the
/// host's (little-endian) byte order as the kernel expects.
enum NetlinkMessage {
    static let newLink: UInt16 = 16, getLink: UInt16 = 18, newAddress: UInt16 = 20, newRoute: UInt16 = 24
    static let error: UInt16 = 2, done: UInt16 = 3
    static let request: UInt16 = 0x1, acknowledge: UInt16 = 0x4, dump: UInt16 = 0x300, exclusive: UInt16 = 0x200, create: UInt16 = 0x400
    static let interfaceUp: UInt32 = 1

    /// A whole message: the 16-byte header and `body`.
    static func message(type: UInt16, flags: UInt16, sequence: UInt32, _ body: [UInt8]) -> [UInt8] {
        le32(UInt32(16 + body.count)) + le16(type) + le16(flags) + le32(sequence) + le32(0) + body
    }

    /// `struct ifinfomsg`: family, type, index, flags and the mask of flags to change.
    static func interfaceInfo(index: Int32 = 0, flags: UInt32 = 0, change: UInt32 = 0) -> [UInt8] {
        [0 /* AF_UNSPEC */, 0] + le16(0) + le32(UInt32(bitPattern: index)) + le32(flags) + le32(change)
    }

    static func attribute(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var bytes = le16(UInt16(4 + payload.count)) + le16(type) + payload
        while bytes.count % 4 != 0 { bytes.append(0) }
        return bytes
    }

    /// A NUL-terminated string attribute (interface names, aliases, link kinds).
    static func attribute(_ type: UInt16, string: String) -> [UInt8] {
        attribute(type, Array(string.utf8) + [0])
    }

    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }

    static func le32(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
    }

    static func readLE32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    static func readLE16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    /// The (type, payload) attributes in `bytes` from `offset` on (nested flags stripped).
    static func attributes(_ bytes: [UInt8], from offset: Int) -> [(UInt16, [UInt8])] {
        var found: [(UInt16, [UInt8])] = []
        var offset = offset
        while offset + 4 <= bytes.count {
            let length = Int(readLE16(bytes, offset))
            guard length >= 4, offset + length <= bytes.count else { break }
            found.append((readLE16(bytes, offset + 2) & 0x3FFF, Array(bytes[(offset + 4)..<(offset + length)])))
            offset += (length + 3) & ~3
        }
        return found
    }

    /// A NUL-terminated attribute string.
    static func string(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}

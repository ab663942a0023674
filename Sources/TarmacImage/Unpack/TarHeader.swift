/// One 512-byte tar header block, decoded: ustar, GNU and old v7 layouts.
///
/// Numeric fields are octal text, or base-256 binary (GNU, first byte 0x80) for values that
/// do not fit. The ustar `prefix` field is only honoured for POSIX ustar (`ustar\0` + `00`);
/// GNU headers keep access/change times there instead.
struct TarHeader: Sendable, Equatable {
    static let blockSize = 512

    var name: [UInt8]
    var mode: UInt32
    var uid: Int
    var gid: Int
    var size: Int64
    var mtime: Int64
    var typeflag: UInt8
    var linkName: [UInt8]

    /// Whether `block` is all zeros (the end-of-archive marker is two such blocks).
    static func isZero(_ block: UnsafeRawBufferPointer) -> Bool {
        block.allSatisfy { $0 == 0 }
    }

    /// Decodes a header block; throws `corrupt` when the checksum or a number is wrong.
    init(block: UnsafeRawBufferPointer) throws {
        precondition(block.count == Self.blockSize)
        let stored = try Self.number(block, 148, 8, field: "checksum")
        var unsigned = 0
        var signed = 0
        for index in 0..<Self.blockSize {
            let byte = (148..<156).contains(index) ? UInt8(ascii: " ") : block[index]
            unsigned += Int(byte)
            signed += Int(Int8(bitPattern: byte))
        }
        guard stored == Int64(unsigned) || stored == Int64(signed) else {
            throw ImageError(.corrupt, "tar header checksum mismatch (stored \(stored), computed \(unsigned)); the layer is not a valid tar archive or is damaged")
        }
        var name = Self.text(block, 0, 100)
        let isPOSIX = Self.text(block, 257, 6) == Array("ustar".utf8) && Self.text(block, 263, 2) == Array("00".utf8)
        if isPOSIX {
            let prefix = Self.text(block, 345, 155)
            if !prefix.isEmpty { name = prefix + [UInt8(ascii: "/")] + name }
        }
        self.name = name
        self.mode = UInt32(truncatingIfNeeded: try Self.number(block, 100, 8, field: "mode") & 0o7777)
        self.uid = Int(try Self.number(block, 108, 8, field: "uid"))
        self.gid = Int(try Self.number(block, 116, 8, field: "gid"))
        self.size = try Self.number(block, 124, 12, field: "size")
        self.mtime = try Self.number(block, 136, 12, field: "mtime")
        self.typeflag = block[156]
        self.linkName = Self.text(block, 157, 100)
    }

    /// The bytes of a NUL-terminated (or full-width) text field.
    static func text(_ block: UnsafeRawBufferPointer, _ offset: Int, _ length: Int) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(length)
        for index in offset..<(offset + length) {
            let byte = block[index]
            if byte == 0 { break }
            result.append(byte)
        }
        return result
    }

    /// An octal field (spaces and NULs around it allowed) or a GNU base-256 field.
    static func number(_ block: UnsafeRawBufferPointer, _ offset: Int, _ length: Int, field: String) throws -> Int64 {
        let first = block[offset]
        if first & 0x80 != 0 {
            guard first == 0x80 else {
                throw ImageError(.corrupt, "tar header field \(field) holds a negative base-256 number")
            }
            var value: Int64 = 0
            for index in (offset + 1)..<(offset + length) {
                guard value <= (Int64.max >> 8) else {
                    throw ImageError(.corrupt, "tar header field \(field) overflows")
                }
                value = value << 8 | Int64(block[index])
            }
            return value
        }
        var value: Int64 = 0
        var seenDigit = false
        for index in offset..<(offset + length) {
            let byte = block[index]
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                guard value <= (Int64.max >> 3) else {
                    throw ImageError(.corrupt, "tar header field \(field) overflows")
                }
                value = value << 3 | Int64(byte - UInt8(ascii: "0"))
                seenDigit = true
            case UInt8(ascii: " "), 0:
                if seenDigit { return value }
            default:
                throw ImageError(.corrupt, "tar header field \(field) is not an octal number")
            }
        }
        return value
    }
}

import Foundation

/// The one-line JSON of a record, written and read without `JSONEncoder`/`JSONDecoder`
/// (a log of a busy machine is hundreds of thousands of lines): exactly
/// `{"t":<int>,"n":<int>,"m":"<escaped>"}`. Reading falls back to `JSONDecoder` for any other
/// spelling of the same object, so a file edited by hand still reads.
extension LogRecord {
    /// The line, without its newline.
    func encodedLine() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(message.utf8.count + 48)
        bytes += Array(#"{"t":"#.utf8) + Array(String(timestamp).utf8)
        bytes += Array(#","n":"#.utf8) + Array(String(number).utf8)
        bytes += Array(#","m":""#.utf8)
        for byte in message.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x00..<0x20, 0x7F:
                bytes += Array("\\u00".utf8) + [Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0x0F)]]
            default: bytes.append(byte)
            }
        }
        bytes += [UInt8(ascii: "\""), UInt8(ascii: "}")]
        return bytes
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// Reads a line `encodedLine` wrote, or any JSON spelling of a record; nil for anything else.
    static func decodeLine(_ line: some Collection<UInt8>, fallback decoder: JSONDecoder) -> LogRecord? {
        let bytes = Array(line)
        return fastDecode(bytes) ?? (try? decoder.decode(LogRecord.self, from: Data(bytes)))
    }

    static func fastDecode(_ bytes: [UInt8]) -> LogRecord? {
        var index = 0
        func expect(_ literal: StaticString) -> Bool {
            let text = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
            guard bytes.count - index >= text.count else { return false }
            for byte in text {
                guard bytes[index] == byte else { return false }
                index += 1
            }
            return true
        }
        func integer() -> Int64? {
            var negative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { negative = true; index += 1 }
            let start = index
            var value: Int64 = 0
            while index < bytes.count, (48...57).contains(bytes[index]) {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int64(bytes[index] - 48))
                guard !overflow1, !overflow2 else { return nil }
                value = sum
                index += 1
            }
            return index > start ? (negative ? -value : value) : nil
        }
        guard expect(#"{"t":"#), let timestamp = integer(), expect(#","n":"#), let number = integer(), expect(#","m":""#) else { return nil }
        var message: [UInt8] = []
        message.reserveCapacity(bytes.count - index)
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") {
                guard index == bytes.count - 1, bytes[index] == UInt8(ascii: "}") else { return nil }
                return LogRecord(timestamp: timestamp, number: number, message: String(decoding: message, as: UTF8.self))
            }
            guard byte == UInt8(ascii: "\\") else { message.append(byte); continue }
            guard index < bytes.count else { return nil }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): message.append(escape)
            case UInt8(ascii: "n"): message.append(0x0A)
            case UInt8(ascii: "r"): message.append(0x0D)
            case UInt8(ascii: "t"): message.append(0x09)
            case UInt8(ascii: "b"): message.append(0x08)
            case UInt8(ascii: "f"): message.append(0x0C)
            case UInt8(ascii: "u"):
                // Only what `encodedLine` writes (\u00XX); anything else goes to JSONDecoder.
                guard index + 4 <= bytes.count, bytes[index] == UInt8(ascii: "0"), bytes[index + 1] == UInt8(ascii: "0"),
                      let high = hexValue(bytes[index + 2]), let low = hexValue(bytes[index + 3]) else { return nil }
                message.append(high << 4 | low)
                index += 4
            default: return nil
            }
        }
        return nil
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 97...102: byte - 87
        case 65...70: byte - 55
        default: nil
        }
    }
}

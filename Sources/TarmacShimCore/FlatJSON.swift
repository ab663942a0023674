/// A reader for one flat JSON object (`{"key": value, …}`), just enough for what the shim
/// reads: its configuration, whose values are all strings, and runc's log lines. String
/// values are decoded (every escape, `\/` and surrogate pairs included); numbers, booleans,
/// null and nested values are skipped. Foundation-free: the shim links only Glibc.
struct FlatJSON {
    struct SyntaxError: Error, CustomStringConvertible {
        var offset: Int
        var description: String { "malformed JSON at byte \(offset)" }
    }

    /// The object's string members; other members are left out.
    static func strings<Bytes: Collection>(_ text: Bytes) throws(SyntaxError) -> [String: String] where Bytes.Element == UInt8 {
        var reader = FlatJSON(bytes: Array(text))
        return try reader.object()
    }

    private let bytes: [UInt8]
    private var index = 0

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private mutating func object() throws(SyntaxError) -> [String: String] {
        var members: [String: String] = [:]
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return members
        }
        while true {
            skipSpace()
            let key = try string()
            try expect(UInt8(ascii: ":"))
            skipSpace()
            if peek() == UInt8(ascii: "\"") {
                members[key] = try string()
            } else {
                try skipValue()
            }
            skipSpace()
            guard let next = take() else { throw SyntaxError(offset: index) }
            if next == UInt8(ascii: "}") { return members }
            guard next == UInt8(ascii: ",") else { throw SyntaxError(offset: index - 1) }
        }
    }

    private mutating func string() throws(SyntaxError) -> String {
        try expect(UInt8(ascii: "\""))
        var scalars = String.UnicodeScalarView()
        var run: [UInt8] = []
        func flush() {
            if !run.isEmpty {
                scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars)
                run.removeAll(keepingCapacity: true)
            }
        }
        while true {
            guard let byte = take() else { throw SyntaxError(offset: index) }
            switch byte {
            case UInt8(ascii: "\""):
                flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush()
                guard let escape = take() else { throw SyntaxError(offset: index) }
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"): scalars.append(try unicodeEscape())
                default: throw SyntaxError(offset: index - 1)
                }
            default:
                run.append(byte)
            }
        }
    }

    /// The scalar of `\uXXXX` (the `\u` consumed), joining a UTF-16 surrogate pair.
    private mutating func unicodeEscape() throws(SyntaxError) -> Unicode.Scalar {
        let first = try hex4()
        if (0xD800..<0xDC00).contains(first) {
            guard take() == UInt8(ascii: "\\"), take() == UInt8(ascii: "u") else { throw SyntaxError(offset: index) }
            let second = try hex4()
            guard (0xDC00..<0xE000).contains(second),
                  let scalar = Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)) else {
                throw SyntaxError(offset: index)
            }
            return scalar
        }
        return Unicode.Scalar(first) ?? "\u{FFFD}"
    }

    private mutating func hex4() throws(SyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = take() else { throw SyntaxError(offset: index) }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw SyntaxError(offset: index - 1)
            }
            value = value << 4 | digit
        }
        return value
    }

    /// Skips a number, literal, array or object (strings inside nested values respected).
    private mutating func skipValue() throws(SyntaxError) {
        var depth = 0
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: "\""):
                _ = try string()
                if depth == 0 { return }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 { return }
                depth -= 1
                if depth == 0 {
                    index += 1
                    return
                }
            case UInt8(ascii: ","):
                if depth == 0 { return }
            default:
                break
            }
            index += 1
        }
        throw SyntaxError(offset: index)
    }

    private mutating func skipSpace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws(SyntaxError) {
        skipSpace()
        guard take() == byte else { throw SyntaxError(offset: max(0, index - 1)) }
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func take() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }
}

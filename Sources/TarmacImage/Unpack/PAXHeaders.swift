/// The records of a PAX extended header (`x`): `"<length> <key>=<value>\n"` each, where
/// length counts the whole record. Values are raw bytes (xattr values are binary).
struct PAXHeaders: Sendable {
    var records: [(key: String, value: [UInt8])] = []

    init() {}

    init(parsing data: [UInt8]) throws {
        var index = 0
        while index < data.count {
            // Trailing NUL padding ends the records.
            if data[index] == 0 { break }
            var length = 0
            var cursor = index
            while cursor < data.count, data[cursor] != UInt8(ascii: " ") {
                let byte = data[cursor]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), length < 1 << 30 else {
                    throw ImageError(.corrupt, "malformed PAX extended header record (bad length)")
                }
                length = length * 10 + Int(byte - UInt8(ascii: "0"))
                cursor += 1
            }
            let end = index + length
            guard cursor < data.count, length > cursor - index + 1, end <= data.count, data[end - 1] == UInt8(ascii: "\n") else {
                throw ImageError(.corrupt, "malformed PAX extended header record (length \(length))")
            }
            let record = data[(cursor + 1)..<(end - 1)]
            guard let equals = record.firstIndex(of: UInt8(ascii: "=")) else {
                throw ImageError(.corrupt, "malformed PAX extended header record (no '=')")
            }
            let key = String(decoding: record[record.startIndex..<equals], as: UTF8.self)
            records.append((key, Array(record[(equals + 1)...])))
            index = end
        }
    }

    /// Applies the records to an entry decoded from the following header.
    func apply(to entry: inout TarEntry) throws {
        for (key, value) in records {
            switch key {
            case "path":
                entry.path = value
            case "linkpath":
                entry.linkTarget = value
            case "size":
                entry.size = try Self.integer(value, key: key)
            case "uid":
                entry.uid = Int(try Self.integer(value, key: key))
            case "gid":
                entry.gid = Int(try Self.integer(value, key: key))
            case "mtime":
                entry.mtime = try Self.timestamp(value)
            default:
                if key.hasPrefix("SCHILY.xattr.") {
                    entry.xattrs.append((String(key.dropFirst("SCHILY.xattr.".count)), value))
                } else if key.hasPrefix("GNU.sparse.") {
                    entry.kind = .unsupported(UInt8(ascii: "S"))
                }
            }
        }
    }

    static func integer(_ value: [UInt8], key: String) throws -> Int64 {
        guard let number = Int64(String(decoding: value, as: UTF8.self)), number >= 0 else {
            throw ImageError(.corrupt, "PAX record \(key) is not a non-negative integer")
        }
        return number
    }

    /// `seconds[.fraction]`, possibly negative.
    static func timestamp(_ value: [UInt8]) throws -> TarEntry.Timestamp {
        let text = String(decoding: value, as: UTF8.self)
        let negative = text.hasPrefix("-")
        let body = negative ? text.dropFirst() : Substring(text)
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, whole.allSatisfy({ ("0"..."9").contains($0) }), let seconds = Int64(whole) else {
            throw ImageError(.corrupt, "PAX record mtime \(text) is not a time")
        }
        var nanoseconds: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1].prefix(9)
            guard digits.allSatisfy({ ("0"..."9").contains($0) }), let fraction = Int64(digits.isEmpty ? "0" : String(digits)) else {
                throw ImageError(.corrupt, "PAX record mtime \(text) is not a time")
            }
            nanoseconds = fraction * Int64(pow10(9 - digits.count))
        }
        if negative {
            return nanoseconds == 0
                ? .init(seconds: -seconds, nanoseconds: 0)
                : .init(seconds: -seconds - 1, nanoseconds: 1_000_000_000 - nanoseconds)
        }
        return .init(seconds: seconds, nanoseconds: nanoseconds)
    }

    private static func pow10(_ exponent: Int) -> Int {
        (0..<exponent).reduce(1) { result, _ in result * 10 }
    }
}

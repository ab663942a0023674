import Foundation

extension KeyedDecodingContainer {
    /// An integer given as a JSON number or as a numeric string (`"8080"`), as some SDKs
    /// send ports and sizes; nil when absent or null. Anything else fails naming the key.
    func decodeLenientInt(forKey key: Key) throws -> Int? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let value = try? decode(Int.self, forKey: key) { return value }
        if let text = try? decode(String.self, forKey: key) {
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "expected an integer, got \"\(text)\"")
            }
            return value
        }
        // Neither: let the typed decode report the type mismatch at this key.
        return try decode(Int.self, forKey: key)
    }
}

/// One string or a list of strings (header values arrive both ways).
struct StringList: Decodable {
    var values: [String]

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) {
            values = [one]
        } else {
            values = try container.decode([String].self)
        }
    }
}

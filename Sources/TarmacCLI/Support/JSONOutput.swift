import Foundation
import TarmacModel

/// Pretty-printing of the server's JSON for `--json`.
enum JSONOutput {
    /// Pretty, key-sorted JSON text; the body as text when it is not JSON; nil when empty.
    static func pretty(_ body: Data) -> String? {
        let trimmed = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        else { return trimmed }
        return String(decoding: data, as: UTF8.self)
    }

    /// Encodes a value the CLI composed itself (merged event lists) the same way.
    static func prettyEncoding(_ value: some Encodable) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return nil }
        return pretty(data)
    }
}

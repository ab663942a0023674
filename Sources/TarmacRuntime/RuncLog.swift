import Foundation

/// runc's own log (`--log FILE --log-format json`), one JSON object per line.
enum RuncLog {
    private struct Line: Decodable {
        var level: String?
        var msg: String?
    }

    /// The message of the last `error`/`fatal` line, if any.
    static func lastError(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let decoder = JSONDecoder()
        for line in data.split(separator: UInt8(ascii: "\n")).reversed() {
            guard let entry = try? decoder.decode(Line.self, from: Data(line)),
                  entry.level == "error" || entry.level == "fatal", let message = entry.msg else { continue }
            return message
        }
        return nil
    }
}

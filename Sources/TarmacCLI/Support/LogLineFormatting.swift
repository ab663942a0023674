import Foundation
import TarmacModel

/// How `tarmac logs` prints a line: `TIME machine[ID] REGION message`, the machine part in a
/// colour of its own when the output is a terminal, so interleaved machines stay apart.
struct LogLineFormatting {
    /// ANSI foreground colours that read on dark and light backgrounds.
    static let palette = [36, 33, 35, 32, 34, 91, 96, 93, 95, 92, 94]

    var colour: Bool

    /// Colour when stdout is a terminal and `NO_COLOR` is not set (no-color.org).
    static func forStandardOutput(environment: [String: String] = ProcessInfo.processInfo.environment) -> LogLineFormatting {
        LogLineFormatting(colour: isatty(STDOUT_FILENO) != 0 && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb")
    }

    func text(_ line: LogLine) -> String {
        let machine = "machine[\(line.machineID)]"
        let shown = colour ? "\u{1b}[\(Self.colourCode(for: line.machineID))m\(machine)\u{1b}[0m" : machine
        return "\(line.timestamp) \(shown) \(line.region) \(line.message)"
    }

    /// A stable colour per machine (the same in every run): FNV-1a of its id.
    static func colourCode(for machineID: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in machineID.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return palette[Int(hash % UInt32(palette.count))]
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// One line of `--json` output: the line object on one line (NDJSON).
    static func json(_ line: LogLine) -> String {
        (try? encoder.encode(line)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

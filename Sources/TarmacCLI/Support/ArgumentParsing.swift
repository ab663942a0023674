import Foundation
import ArgumentParser
import TarmacModel

/// Pure parsers for flag values; failures are usage errors (exit 64).
enum ArgumentParsing {
    /// Parses repeated `KEY=VALUE` flags. The value may be empty or contain `=`; a later
    /// duplicate key wins. `flag` names the option in error messages.
    static func keyValues(_ items: [String], flag: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for item in items {
            guard let equals = item.firstIndex(of: "=") else {
                throw ValidationError("invalid \(flag) \"\(item)\": expected KEY=VALUE")
            }
            let key = String(item[..<equals])
            guard !key.isEmpty, !key.contains(where: \.isWhitespace) else {
                throw ValidationError("invalid \(flag) \"\(item)\": the key must be non-empty and contain no spaces")
            }
            result[key] = String(item[item.index(after: equals)...])
        }
        return result
    }

    /// Parses a duration flag: a Go duration (`90s`, `1m30s`, `500ms`) or a bare number
    /// of seconds (`30`, `2.5`). Negative values are rejected.
    static func duration(_ text: String, flag: String) throws -> GoDuration {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parsed: GoDuration? = if let seconds = Double(trimmed), seconds.isFinite {
            GoDuration(seconds: seconds)
        } else {
            GoDuration(parsing: trimmed)
        }
        guard let parsed else {
            throw ValidationError("invalid \(flag) \"\(text)\": use a duration such as 30s, 1m30s or 500ms, or a number of seconds")
        }
        guard parsed.nanoseconds >= 0 else {
            throw ValidationError("invalid \(flag) \"\(text)\": must not be negative")
        }
        return parsed
    }

    /// Parses a signal by name (`SIGTERM`, `term`) or number (`15`).
    static func signal(_ text: String) throws -> MachineSignal {
        guard let signal = MachineSignal(name: text) else {
            throw ValidationError("unknown signal \"\(text)\": use a name such as SIGTERM, SIGINT, SIGKILL, SIGHUP, SIGUSR1 or a number")
        }
        return signal
    }

    /// Splits a command line the way a POSIX shell does for words (see ``ShellWords`` for
    /// the rules the API's exec `cmd` shares).
    static func shellWords(_ text: String, flag: String) throws -> [String] {
        do {
            return try ShellWords.split(text)
        } catch {
            throw ValidationError("invalid \(flag) \"\(text)\": \(error)")
        }
    }

    /// Validates a restart policy flag.
    static func restartPolicy(_ text: String) throws -> RestartPolicy {
        guard let policy = RestartPolicy(rawValue: text.lowercased()) else {
            throw ValidationError("invalid --restart \"\(text)\": use no, always or on-failure")
        }
        return policy
    }
}

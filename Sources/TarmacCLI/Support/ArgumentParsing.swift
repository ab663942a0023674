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

    /// Splits a command line the way a POSIX shell does for words: whitespace separates,
    /// single quotes are literal, double quotes allow `\"`, `\\`, `\$` and `` \` `` escapes,
    /// and a backslash outside quotes escapes the next character.
    static func shellWords(_ text: String, flag: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var iterator = Array(text).makeIterator()
        while let char = iterator.next() {
            switch char {
            case "'":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "'" { closed = true; break }
                    current.append(next)
                }
                guard closed else { throw ValidationError("invalid \(flag) \"\(text)\": unterminated single quote") }
            case "\"":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "\"" { closed = true; break }
                    if next == "\\" {
                        guard let escaped = iterator.next() else { break }
                        if !"\"\\$`".contains(escaped) { current.append("\\") }
                        current.append(escaped)
                    } else {
                        current.append(next)
                    }
                }
                guard closed else { throw ValidationError("invalid \(flag) \"\(text)\": unterminated double quote") }
            case "\\":
                guard let escaped = iterator.next() else {
                    throw ValidationError("invalid \(flag) \"\(text)\": trailing backslash")
                }
                inWord = true
                current.append(escaped)
            case _ where char.isWhitespace:
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            default:
                inWord = true
                current.append(char)
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// Validates a restart policy flag.
    static func restartPolicy(_ text: String) throws -> RestartPolicy {
        guard let policy = RestartPolicy(rawValue: text.lowercased()) else {
            throw ValidationError("invalid --restart \"\(text)\": use no, always or on-failure")
        }
        return policy
    }
}

/// Splits a command line into words the way a POSIX shell does, without expanding anything.
///
/// Rules:
/// - Unquoted whitespace separates words; runs of it count once.
/// - `'…'` is literal: everything up to the next `'` (no escapes inside).
/// - `"…"` groups; inside it a backslash escapes only `"`, `\`, `$` and `` ` `` (any other
///   backslash is kept as is, as a shell keeps it).
/// - Outside quotes a backslash makes the next character literal (`a\ b` is one word).
/// - Quotes join with adjacent text (`--name="a b"` is one word), and `''` is an empty word.
/// - Nothing else is special: no variables, globs, `~`, pipes, redirections or `;`.
///
/// An unterminated quote or a trailing backslash is an error.
public enum ShellWords {
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        case unterminatedSingleQuote
        case unterminatedDoubleQuote
        case trailingBackslash

        public var description: String {
            switch self {
            case .unterminatedSingleQuote: "unterminated single quote"
            case .unterminatedDoubleQuote: "unterminated double quote"
            case .trailingBackslash: "trailing backslash"
            }
        }
    }

    public static func split(_ text: String) throws(Failure) -> [String] {
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
                guard closed else { throw .unterminatedSingleQuote }
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
                guard closed else { throw .unterminatedDoubleQuote }
            case "\\":
                guard let escaped = iterator.next() else { throw .trailingBackslash }
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
}

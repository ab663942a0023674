import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where output goes: results on stdout, progress and errors on stderr.
enum Console {
    static func line(_ text: String) {
        print(text)
    }

    /// A line that must be seen at once even when stdout is a pipe (followed output).
    static func flushedLine(_ text: String) {
        print(text)
        fflush(nil)  // every output stream: `stdout` itself is not concurrency-safe to name
    }

    static func error(_ text: String) {
        writeError(text + "\n")
    }

    static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// Prints a JSON body pretty-printed with sorted keys; an empty body prints nothing.
    static func printJSON(_ body: Data) {
        guard let text = JSONOutput.pretty(body) else { return }
        line(text)
    }
}

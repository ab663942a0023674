import Glibc

/// tarmac-init's one error type: what went wrong, worded for the console and the exit report.
struct InitError: Error, CustomStringConvertible {
    var message: String

    init(_ message: String) { self.message = message }

    /// `what` followed by the text of the current (or given) errno.
    static func system(_ what: String, _ code: Int32 = errno) -> InitError {
        InitError("\(what): \(String(cString: strerror(code)))")
    }

    var description: String { message }
}

import ArgumentParser
import TarmacClient

/// A failure of a CLI command, with the exit code scripts can rely on.
///
/// Exit codes (documented in docs/cli.md):
/// - 0: success
/// - 1: the server rejected the request (its message is shown verbatim), or another failure
/// - 2: timed out waiting for a machine state (server 408 or the CLI's own deadline)
/// - 3: the server could not be reached
/// - 64: usage error (bad flags or arguments; ArgumentParser's `EX_USAGE`)
struct CLIError: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32
    /// Printed on its own line after the message.
    var hint: String?

    static let failure: Int32 = 1
    static let timedOut: Int32 = 2
    static let unreachable: Int32 = 3
    static let usage: Int32 = 64

    init(message: String, exitCode: Int32 = CLIError.failure, hint: String? = nil) {
        self.message = message
        self.exitCode = exitCode
        self.hint = hint
    }

    /// The one mapping from client errors to CLI exit codes.
    init(_ error: ClientError) {
        self.message = error.message
        if error.isTimeout {
            self.exitCode = Self.timedOut
        } else if error.code == .unreachable {
            self.exitCode = Self.unreachable
        } else if error.code == .invalidRequest {
            self.exitCode = Self.usage
        } else {
            self.exitCode = Self.failure
        }
        if error.httpStatus == 401 {
            self.hint = "pass --token, set TARMAC_API_TOKEN, or run `tarmac dev` which writes ~/.tarmac/admin-token"
        }
    }

    var description: String { message }

    /// Lines written to stderr for this error.
    var renderedLines: [String] {
        ["Error: \(message)"] + (hint.map { ["Hint: \($0)"] } ?? [])
    }

    /// Writes the message to stderr and returns the exit code to throw.
    func report() -> ExitCode {
        for line in renderedLines { Console.error(line) }
        return ExitCode(exitCode)
    }
}

import Foundation
import TarmacSystem

/// Runs `tar`, `gzip` and friends with their stdout handed to a consumer as they write it (so
/// multi-gigabyte layers never sit in memory) and their stderr collected alongside, bounded,
/// so a chatty program can never block on a full pipe. Built on `Command.stream`: cancelling
/// the calling task ends the program (SIGTERM, then SIGKILL).
enum ExternalProcess {
    struct Outcome: Sendable {
        var status: Int32
        /// The end of stderr, for error messages.
        var stderr: String
    }

    /// Runs `program` to completion. When `consume` throws, the program is ended and reaped
    /// and the error rethrown.
    static func run(
        _ program: String, _ arguments: [String], consume: (Data) async throws -> Void
    ) async throws -> Outcome {
        let path = try resolve(program)
        let result: Command.Result
        do {
            result = try await Command.stream(path, arguments, stdout: consume)
        } catch let error as CommandError {
            throw ImageError(.toolFailed, "cannot run \(program)", cause: error)
        }
        return Outcome(status: result.status, stderr: String(result.stderr.suffix(2000)))
    }

    /// Runs and throws `toolFailed` with the program's stderr when it exits non-zero.
    static func checked(
        _ program: String, _ arguments: [String], what: String, consume: (Data) async throws -> Void
    ) async throws {
        let outcome = try await run(program, arguments, consume: consume)
        guard outcome.status == 0 else {
            let detail = outcome.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw ImageError(.toolFailed, "\(what) failed: \(program) exited with status \(outcome.status)\(detail.isEmpty ? "" : ": \(detail)")")
        }
    }

    private static func resolve(_ program: String) throws -> String {
        do {
            return try Command.resolve(program)
        } catch {
            throw ImageError(.toolFailed, "\(program) is needed by the image store but is not installed (apt-get install \(program))", cause: error)
        }
    }
}

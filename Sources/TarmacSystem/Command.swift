import Foundation

/// Runs short-lived external programs (`runc`, `ip`, `mount`, `tar` …) and collects their
/// output. A non-zero exit is a result, not an error; `checked()` turns it into one.
///
/// Built on swift-subprocess (`Command+Subprocess.swift`): stdout and stderr are read while
/// the program runs, each kept up to a limit and drained past it, so a chatty program never
/// blocks on a full pipe. Each program runs in its own session; when the calling task is
/// cancelled its process group gets SIGTERM, then SIGKILL after a grace period, it is reaped,
/// and the call throws `CancellationError`.
public enum Command {
    /// Bytes of stdout, and separately of stderr, that `run` keeps by default (16 MiB). Past
    /// the limit the rest is still read, so the program never blocks, and dropped.
    public static let defaultOutputLimit = 16 << 20

    /// How long the program of a cancelled call has between SIGTERM and SIGKILL by default.
    public static let defaultTerminationGrace: Duration = .seconds(2)

    public struct Result: Sendable {
        /// The program as the caller named it.
        public var executable: String
        public var arguments: [String]
        /// The exit code, or 128 + the signal number when a signal ended the program (as shells report it).
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// Whether the program wrote more than the limit to stdout; the excess was dropped.
        public var stdoutTruncated: Bool = false
        /// Whether the program wrote more than the limit to stderr; the excess was dropped.
        public var stderrTruncated: Bool = false

        public var succeeded: Bool { status == 0 }

        /// Throws `CommandError` naming the program, its status and its stderr when it failed.
        @discardableResult
        public func checked() throws -> Result {
            guard succeeded else { throw CommandError(result: self) }
            return self
        }
    }

    /// Runs `executable` (a path, or a name looked up as `resolve` does) to completion.
    ///
    /// - Parameters:
    ///   - environment: The program's whole environment; nil inherits this process's.
    ///   - input: Written to the program's stdin, which is then closed; nil gives it /dev/null.
    ///   - workingDirectory: Nil keeps this process's.
    ///   - outputLimit: Bytes kept of stdout and of stderr each.
    ///   - terminationGrace: Time between SIGTERM and SIGKILL when the calling task is cancelled.
    /// - Throws: `CommandError` when the program is missing or cannot be started,
    ///   `CancellationError` when the calling task was cancelled (the program is gone by then).
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        input: Data? = nil, workingDirectory: String? = nil,
        outputLimit: Int = defaultOutputLimit, terminationGrace: Duration = defaultTerminationGrace
    ) async throws -> Result {
        let launch = try Launch(
            executable, arguments, environment: environment, workingDirectory: workingDirectory,
            terminationGrace: terminationGrace
        )
        let outcome = try await launch.collect(input: input, limit: max(0, outputLimit))
        return Result(
            executable: executable, arguments: arguments, status: outcome.status,
            stdout: String(decoding: outcome.stdout.bytes, as: UTF8.self),
            stderr: String(decoding: outcome.stderr.bytes, as: UTF8.self),
            stdoutTruncated: outcome.stdout.truncated, stderrTruncated: outcome.stderr.truncated
        )
    }

    /// Runs `executable` with its stdout handed to `consume` chunk by chunk as the program
    /// writes it, for output too large to hold (a `tar` stream); stdin is /dev/null and stderr
    /// is collected as `run` collects it. The result's `stdout` is empty.
    ///
    /// When `consume` throws, the program's process group gets SIGTERM (SIGKILL after
    /// `terminationGrace`), it is reaped, and the error is rethrown. Chunks are at most the
    /// pipe's size (64 KiB by default).
    public static func stream(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        workingDirectory: String? = nil, errorLimit: Int = defaultOutputLimit,
        terminationGrace: Duration = defaultTerminationGrace,
        stdout consume: (Data) async throws -> Void
    ) async throws -> Result {
        let launch = try Launch(
            executable, arguments, environment: environment, workingDirectory: workingDirectory,
            terminationGrace: terminationGrace
        )
        let outcome = try await launch.stream(errorLimit: max(0, errorLimit), consume: consume)
        return Result(
            executable: executable, arguments: arguments, status: outcome.status,
            stdout: "", stderr: String(decoding: outcome.stderr.bytes, as: UTF8.self),
            stderrTruncated: outcome.stderr.truncated
        )
    }

    /// Runs and throws when the program fails.
    @discardableResult
    public static func checked(_ executable: String, _ arguments: [String], input: Data? = nil) async throws -> Result {
        try await run(executable, arguments, input: input).checked()
    }

    /// Finds `name` in PATH (plus the sbin directories, which a non-login root shell may lack).
    public static func resolve(_ name: String) throws -> String {
        if name.contains("/") { return name }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        for directory in directories {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw CommandError(missing: name)
    }

    /// Whether a program can be found.
    public static func exists(_ name: String) -> Bool { (try? resolve(name)) != nil }
}

public struct CommandError: Error, Sendable, CustomStringConvertible {
    public var description: String

    init(result: Command.Result) {
        let detail = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = detail.isEmpty ? result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : detail
        description = "\(result.executable) \(result.arguments.joined(separator: " ")) failed (exit \(result.status)): \(shown)"
    }

    init(missing name: String) {
        description = "\(name) is not installed or not in PATH (run the setup command from the README)"
    }

    init(running program: String, _ error: any Error) {
        description = "cannot run \(program): \(error)"
    }
}

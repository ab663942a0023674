import Foundation

/// Runs short-lived external programs (`runc`, `ip`, `mount`, `tar` …) and collects their
/// output. A non-zero exit is a result, not an error; `checked()` turns it into one.
public enum Command {
    public struct Result: Sendable {
        public var executable: String
        public var arguments: [String]
        public var status: Int32
        public var stdout: String
        public var stderr: String

        public var succeeded: Bool { status == 0 }

        /// Throws `CommandError` naming the program, its status and its stderr when it failed.
        @discardableResult
        public func checked() throws -> Result {
            guard succeeded else { throw CommandError(result: self) }
            return self
        }
    }

    /// Runs `executable` (a path, or a name looked up in PATH) to completion.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        input: Data? = nil, workingDirectory: String? = nil
    ) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try resolve(executable))
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        let stdoutPipe = Pipe()
        let stderrPipe = Pipe()
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        let stdinPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdinPipe

        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            if let input {
                DispatchQueue.global().async {
                    stdinPipe.fileHandleForWriting.write(input)
                    try? stdinPipe.fileHandleForWriting.close()
                }
            }
        }
        // The pipes' write ends close when the process exits (unless it left children holding them).
        let out = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
        let err = stderrPipe.fileHandleForReading.readDataToEndOfFile()
        return Result(
            executable: executable, arguments: arguments, status: status,
            stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self)
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
}

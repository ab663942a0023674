import Foundation
import Subprocess
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

extension Command {
    /// One program to start: its swift-subprocess configuration with the program resolved,
    /// its own session (so its process group holds it and whatever it starts), and a
    /// SIGTERM → grace → SIGKILL teardown of that group. swift-subprocess runs the teardown
    /// when the calling task is cancelled, and reaps the program exactly once.
    struct Launch: Sendable {
        struct Outcome: Sendable {
            var status: Int32
            var stdout: CapturedOutput
            var stderr: CapturedOutput
        }

        let program: String
        let configuration: Subprocess.Configuration
        let teardown: [TeardownStep]

        init(
            _ executable: String, _ arguments: [String], environment: [String: String]?,
            workingDirectory: String?, terminationGrace: Duration
        ) throws {
            program = executable
            let path = try Command.resolve(executable)
            teardown = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: terminationGrace)]
            var options = PlatformOptions()
            options.createSession = true
            options.teardownSequence = teardown
            configuration = Subprocess.Configuration(
                executable: .path(FilePath(path)),
                arguments: Arguments(arguments),
                environment: environment.map(Self.environment) ?? .inherit,
                workingDirectory: workingDirectory.map { FilePath($0) },
                platformOptions: options
            )
        }

        /// Runs to completion, stdin from `input`, stdout and stderr read concurrently.
        func collect(input: Data?, limit: Int) async throws -> Outcome {
            let result: ExecutionResult<(CapturedOutput, CapturedOutput), SequenceOutput, SequenceOutput>
            if let input {
                Command.ignoreBrokenPipes()
                // `.inputWriter` rather than `.data`: swift-subprocess 1.0.2 traps (an
                // unclosed descriptor) when a `.data` write fails because the program
                // exited without reading all of it. Here the write runs beside the reads
                // and the pipe is always closed.
                result = try await execute {
                    try await Subprocess.run(configuration, input: .inputWriter, output: .sequence, error: .sequence) { execution in
                        async let written: Void = Self.deliver(input, to: execution.standardInputWriter)
                        async let stderr = CapturedOutput.read(execution.standardError, limit: limit)
                        let stdout = try await CapturedOutput.read(execution.standardOutput, limit: limit)
                        await written
                        return (stdout, try await stderr)
                    }
                }
            } else {
                result = try await execute {
                    try await Subprocess.run(configuration, input: .none, output: .sequence, error: .sequence) { execution in
                        async let stderr = CapturedOutput.read(execution.standardError, limit: limit)
                        let stdout = try await CapturedOutput.read(execution.standardOutput, limit: limit)
                        return (stdout, try await stderr)
                    }
                }
            }
            return Outcome(
                status: Self.status(result.terminationStatus),
                stdout: result.closureResult.0, stderr: result.closureResult.1
            )
        }

        /// Writes `input` and closes stdin. A program that exits or closes stdin before
        /// reading all of it fails the write (EPIPE); its exit status tells the caller.
        private static func deliver(_ input: Data, to writer: StandardInputWriter) async {
            _ = try? await writer.write(input)
            try? await writer.finish()
        }

        /// Runs to completion with stdout handed to `consume` as it arrives; stderr collected.
        func stream(errorLimit: Int, consume: (Data) async throws -> Void) async throws -> Outcome {
            let teardown = self.teardown
            let result = try await execute {
                try await Subprocess.run(configuration, input: .none, output: .sequence, error: .sequence) { execution in
                    async let stderr = CapturedOutput.read(execution.standardError, limit: errorLimit)
                    do {
                        for try await buffer in execution.standardOutput {
                            try await consume(buffer.withUnsafeBytes { Data($0) })
                        }
                    } catch {
                        // The program may be blocked writing to the stdout nobody reads any
                        // more: end it before waiting for its stderr to close.
                        await execution.teardown(using: teardown)
                        _ = try? await stderr
                        throw error
                    }
                    return try await stderr
                }
            }
            return Outcome(
                status: Self.status(result.terminationStatus),
                stdout: CapturedOutput(), stderr: result.closureResult
            )
        }

        /// Cancellation and swift-subprocess's errors, in Command's terms.
        private func execute<T>(_ body: () async throws -> T) async throws -> T {
            try Task.checkCancellation()
            let value: T
            do {
                value = try await body()
            } catch let error as SubprocessError {
                try Task.checkCancellation()
                throw CommandError(running: program, error)
            }
            // A cancelled call's program was torn down; what it printed is not an answer.
            try Task.checkCancellation()
            return value
        }

        static func status(_ termination: TerminationStatus) -> Int32 {
            switch termination {
            case .exited(let code): code
            case .signaled(let signal): 128 + signal
            }
        }

        static func environment(_ variables: [String: String]) -> Subprocess.Environment {
            .custom(Dictionary(
                variables.compactMap { name, value in Subprocess.Environment.Key(rawValue: name).map { ($0, value) } },
                uniquingKeysWith: { _, last in last }
            ))
        }
    }

    /// Writing stdin to a program that exits without reading it must fail with EPIPE rather
    /// than end this process with SIGPIPE. Programs start with every signal at its default
    /// (swift-subprocess and `Spawn` reset them), so this changes nothing for them.
    static func ignoreBrokenPipes() {
        _ = brokenPipesIgnored
    }

    private static let brokenPipesIgnored: Bool = {
        _ = signal(SIGPIPE, SIG_IGN)
        return true
    }()
}

/// The first `limit` bytes of one output stream, which is read to its end regardless so the
/// program never blocks on a full pipe.
struct CapturedOutput: Sendable {
    var bytes: [UInt8] = []
    var truncated = false

    static func read(_ stream: SubprocessOutputSequence, limit: Int) async throws -> CapturedOutput {
        var captured = CapturedOutput()
        for try await buffer in stream {
            buffer.withUnsafeBytes { captured.append($0, limit: limit) }
        }
        return captured
    }

    mutating func append(_ chunk: UnsafeRawBufferPointer, limit: Int) {
        let room = max(0, limit - bytes.count)
        if chunk.count <= room {
            bytes.append(contentsOf: chunk)
        } else {
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk.prefix(room)))
            truncated = true
        }
    }
}

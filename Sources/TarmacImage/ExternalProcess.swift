import Foundation
import TarmacSystem

/// Runs `tar`, `gzip` and friends with their stdout streamed to a consumer (so multi-gigabyte
/// layers never sit in memory) and their stderr in a file (so a chatty program can never
/// block on a full pipe). Blocking; call it inside `Blocking.run`.
enum ExternalProcess {
    struct Outcome: Sendable {
        var status: Int32
        /// The end of stderr, for error messages.
        var stderr: String
    }

    static func run(
        _ program: String, _ arguments: [String], scratch: URL,
        consume: ((Data) throws -> Void)? = nil
    ) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try resolve(program))
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let stderrURL = scratch.appendingPathComponent("stderr-" + UUID().uuidString)
        guard FileManager.default.createFile(atPath: stderrURL.path, contents: nil) else {
            throw ImageError(.io, "cannot create \(stderrURL.path)")
        }
        defer { try? FileManager.default.removeItem(at: stderrURL) }
        let stderrHandle: FileHandle
        do {
            stderrHandle = try FileHandle(forWritingTo: stderrURL)
        } catch {
            throw ImageError(.io, "cannot open \(stderrURL.path)", cause: error)
        }
        defer { try? stderrHandle.close() }
        process.standardError = stderrHandle
        let pipe = Pipe()
        process.standardOutput = consume == nil ? FileHandle.nullDevice : pipe

        do {
            try process.run()
        } catch {
            throw ImageError(.toolFailed, "cannot start \(program)", cause: error)
        }
        if let consume {
            let reader = pipe.fileHandleForReading
            do {
                while let chunk = try reader.read(upToCount: 1 << 20), !chunk.isEmpty {
                    try consume(chunk)
                }
            } catch {
                process.terminate()
                _ = try? reader.readToEnd()
                process.waitUntilExit()
                throw error
            }
        }
        process.waitUntilExit()
        let errorText = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
        return Outcome(status: process.terminationStatus, stderr: String(errorText.suffix(2000)))
    }

    /// Runs and throws `toolFailed` with the program's stderr when it exits non-zero.
    static func checked(
        _ program: String, _ arguments: [String], scratch: URL, what: String,
        consume: ((Data) throws -> Void)? = nil
    ) throws {
        let outcome = try run(program, arguments, scratch: scratch, consume: consume)
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

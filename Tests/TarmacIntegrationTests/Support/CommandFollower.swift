import Foundation
import Synchronization

/// Runs a long-lived command (`tarmac events -f`) and hands out its stdout line by line
/// as it arrives; `stop()` ends it. Tests only.
final class CommandFollower: Sendable {
    private let process: Process
    private let output: FileHandle
    private let errorOutput: FileHandle
    private let pending = Mutex<[UInt8]>([])

    init(_ program: String, _ arguments: [String], environment: [String: String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        output = out.fileHandleForReading
        errorOutput = err.fileHandleForReading
        _ = fcntl(output.fileDescriptor, F_SETFL, fcntl(output.fileDescriptor, F_GETFL) | O_NONBLOCK)
        _ = fcntl(errorOutput.fileDescriptor, F_SETFL, fcntl(errorOutput.fileDescriptor, F_GETFL) | O_NONBLOCK)
    }

    /// What the command wrote to stderr so far.
    var errors: String {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        let count = buffer.withUnsafeMutableBytes { read(errorOutput.fileDescriptor, $0.baseAddress, $0.count) }
        return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : ""
    }

    /// The next line of stdout; nil at end of output or after `timeout`.
    func nextLine(timeout: Duration) async throws -> String? {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while ContinuousClock.now < deadline {
            let line: String? = pending.withLock { bytes in
                guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
                defer { bytes.removeSubrange(...newline) }
                return String(decoding: bytes[..<newline], as: UTF8.self)
            }
            if let line { return line }
            let count = buffer.withUnsafeMutableBytes { read(output.fileDescriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                pending.withLock { $0 += buffer.prefix(count) }
            } else if count == 0 {
                return nil
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        return nil
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

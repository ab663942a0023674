import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Computes a compressed layer's diff id while the layer downloads: follows the partial file
/// as it grows, feeding a decompressor (`gzip -dc`, `zstd -dc`) and hashing its output, so
/// decompression overlaps the transfer instead of following it.
///
/// An optimisation only: any failure yields nil and the caller computes the diff id from the
/// finished blob (``LayerDiffID``). The decompressor's stdin is a socket written with
/// `MSG_NOSIGNAL`, so a decompressor that exits early cannot raise SIGPIPE in this process.
final class DiffIDFollower: Sendable {
    private struct State {
        var available: Int64 = 0
        var abandoned = false
    }

    private let state = Mutex(State())

    /// The download has `bytes` bytes on disk.
    func advance(to bytes: Int64) {
        state.withLock { $0.available = max($0.available, bytes) }
    }

    /// The download failed; stop following.
    func abandon() {
        state.withLock { $0.abandoned = true }
    }

    /// Follows `file` until `total` bytes went through the decompressor; nil on any failure.
    /// Runs on threads of its own: it blocks while waiting for bytes, and the dispatch pool
    /// (as wide as the CPU count) must stay free for the downloads' other blocking work.
    func run(file: URL, total: Int64, decompressor: (program: String, arguments: [String])) async -> String? {
        await withCheckedContinuation { continuation in
            let thread = Thread { [self] in
                continuation.resume(returning: follow(file: file, total: total, decompressor: decompressor))
            }
            thread.start()
        }
    }

    private func waitFor(_ offset: Int64) -> Int64? {
        while true {
            let current = state.withLock { $0 }
            if current.abandoned { return nil }
            if current.available > offset { return current.available }
            usleep(2_000)
        }
    }

    private func follow(file: URL, total: Int64, decompressor: (program: String, arguments: [String])) -> String? {
        guard waitFor(0) != nil, let input = try? FileHandle(forReadingFrom: file) else { return nil }
        defer { try? input.close() }
        var pair: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [decompressor.program] + decompressor.arguments
        process.standardInput = FileHandle(fileDescriptor: pair[1], closeOnDealloc: false)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            close(pair[0])
            close(pair[1])
            return nil
        }
        close(pair[1])
        let digest = Mutex<String?>(nil)
        let reading = DispatchSemaphore(value: 0)
        let reader = output.fileHandleForReading
        let readerThread = Thread {
            var counter = DigestCounter()
            while let chunk = try? reader.read(upToCount: 1 << 20), !chunk.isEmpty {
                counter.update(chunk)
            }
            digest.withLock { $0 = counter.finalize() }
            reading.signal()
        }
        readerThread.start()
        let fed = feed(input, to: pair[0], total: total)
        shutdown(pair[0], Int32(SHUT_WR))
        close(pair[0])
        if !fed { process.terminate() }
        reading.wait()
        process.waitUntilExit()
        guard fed, process.terminationStatus == 0 else { return nil }
        return digest.withLock { $0 }
    }

    /// Copies the file's bytes into the socket as they become available.
    private func feed(_ input: FileHandle, to socket: Int32, total: Int64) -> Bool {
        var offset: Int64 = 0
        while offset < total {
            guard let available = waitFor(offset) else { return false }
            let wanted = Int(min(Int64(1 << 20), available - offset))
            guard let chunk = try? input.read(upToCount: wanted), !chunk.isEmpty else { return false }
            let sent = chunk.withUnsafeBytes { bytes -> Bool in
                var done = 0
                while done < bytes.count {
                    let result = send(socket, bytes.baseAddress.map { $0 + done }, bytes.count - done, Int32(MSG_NOSIGNAL))
                    if result < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    done += result
                }
                return true
            }
            guard sent else { return false }
            offset += Int64(chunk.count)
        }
        return true
    }
}

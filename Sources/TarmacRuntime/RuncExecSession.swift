import Foundation
import Synchronization
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

/// One `runc exec` child, supervised on its own thread: feeds its standard input, collects
/// its output up to a bound while draining the rest, and kills the exec'd process when the
/// deadline passes (or the caller is cancelled).
///
/// How it ends:
/// - runc exits with the command's status; runc reports a command killed by signal N as
///   status 128 + N, which is read back as `exitSignal` N (a command that itself exits with
///   129…192 is reported the same way, as a shell would see it).
/// - At the deadline the exec'd process (its host pid comes from runc's `--pid-file`) gets
///   SIGKILL; the result is `timedOut` with `exitSignal` 9. If runc is still there a few
///   seconds later (a background child holding the output open keeps it waiting), runc is
///   killed too.
/// - After runc has exited, output still arriving is read for at most `drainGrace`.
///
struct RuncExecSession: Sendable {
    var runc: String
    var arguments: [String]
    var pidFile: String
    var stdin: [UInt8]
    var timeout: Duration
    /// Bytes kept of each of stdout and stderr.
    var outputLimit: Int = BoundedOutput.execLimit
    var killGrace: Duration = .seconds(3)
    var drainGrace: Duration = .seconds(1)

    struct Outcome: Sendable {
        var exitCode: Int
        var exitSignal: Int
        var stdout: String
        var stderr: String
        var timedOut: Bool
    }

    /// Runs the session to completion on a dedicated thread (it blocks in `poll`).
    /// Cancelling the calling task kills the command and throws `CancellationError`.
    func run() async throws -> Outcome {
        let cancelled = CancelFlag()
        let result: Result<Outcome, any Error> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread {
                    continuation.resume(returning: Result { try self.supervise(cancelled: cancelled) })
                }
                thread.name = "tarmac-exec"
                thread.start()
            }
        } onCancel: {
            cancelled.set()
        }
        if cancelled.isSet { throw CancellationError() }
        return try result.get()
    }

    final class CancelFlag: Sendable {
        private let flag = Atomic<Bool>(false)
        func set() { flag.store(true, ordering: .relaxed) }
        var isSet: Bool { flag.load(ordering: .relaxed) }
    }

    private func supervise(cancelled: CancelFlag) throws -> Outcome {
        // Sockets rather than pipes: created close-on-exec atomically, and sending to a
        // command that stopped reading raises no SIGPIPE (runc copies between them and the
        // command's own pipes, so the command never sees a socket).
        let stdinPair = try Self.socketPair()
        let outPair: (ours: Int32, theirs: Int32)
        let errPair: (ours: Int32, theirs: Int32)
        do {
            outPair = try Self.socketPair()
        } catch {
            Self.closeAll([stdinPair.ours, stdinPair.theirs])
            throw error
        }
        do {
            errPair = try Self.socketPair()
        } catch {
            Self.closeAll([stdinPair.ours, stdinPair.theirs, outPair.ours, outPair.theirs])
            throw error
        }
        let pid: pid_t
        do {
            pid = try Spawn.launch(runc, arguments, fileActions: [
                .duplicate(stdinPair.theirs, to: 0), .duplicate(outPair.theirs, to: 1), .duplicate(errPair.theirs, to: 2), .closeFrom(3),
            ])
        } catch {
            Self.closeAll([stdinPair.ours, stdinPair.theirs, outPair.ours, outPair.theirs, errPair.ours, errPair.theirs])
            throw RuntimeError(.internalError, "cannot run runc exec: \(error)")
        }
        Self.closeAll([stdinPair.theirs, outPair.theirs, errPair.theirs])
        var input: Int32 = stdinPair.ours
        for fd in [input, outPair.ours, errPair.ours] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var stdout = BoundedOutput(limit: outputLimit)
        var stderr = BoundedOutput(limit: outputLimit)
        var readers: [(fd: Int32, isError: Bool)] = [(outPair.ours, false), (errPair.ours, true)]
        var written = 0
        if stdin.isEmpty {
            close(input)
            input = -1
        }

        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var killAt: ContinuousClock.Instant?
        var drainUntil: ContinuousClock.Instant?
        var timedOut = false
        var killedProcess = false
        var termination: Spawn.Termination?
        var buffer = [UInt8](repeating: 0, count: 64 << 10)

        while true {
            if termination == nil, let ended = Spawn.poll(pid) {
                termination = ended
                drainUntil = clock.now + drainGrace
            }
            if termination != nil && readers.isEmpty { break }
            if let drainUntil, clock.now >= drainUntil { break }
            if termination == nil {
                if !timedOut && (clock.now >= deadline || cancelled.isSet) {
                    timedOut = true
                    killAt = clock.now + killGrace
                }
                if timedOut {
                    if !killedProcess, let target = Self.readPID(pidFile) {
                        killedProcess = kill(target, SIGKILL) == 0 || errno == ESRCH
                    }
                    if let killAt, clock.now >= killAt { _ = kill(pid, SIGKILL) }
                    // runc is gone but was reaped elsewhere: nothing left to wait for.
                    if let killAt, clock.now >= killAt + .seconds(5) { break }
                }
            }

            var fds = readers.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            if input >= 0 { fds.append(pollfd(fd: input, events: Int16(POLLOUT), revents: 0)) }
            _ = poll(&fds, nfds_t(fds.count), 20)

            if input >= 0, let entry = fds.last, entry.fd == input, entry.revents != 0 {
                let sent = stdin[written...].withUnsafeBytes { send(input, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent > 0 { written += sent }
                if (sent < 0 && errno != EAGAIN && errno != EINTR) || written >= stdin.count {
                    // Done, or the command stopped reading (EPIPE): either way it gets EOF.
                    close(input)
                    input = -1
                }
            }
            var open: [(fd: Int32, isError: Bool)] = []
            for reader in readers {
                guard let entry = fds.first(where: { $0.fd == reader.fd }), entry.revents != 0 else {
                    open.append(reader)
                    continue
                }
                let count = buffer.withUnsafeMutableBytes { read(reader.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    if reader.isError { stderr.append(buffer[0..<count]) } else { stdout.append(buffer[0..<count]) }
                    open.append(reader)
                } else if count < 0 && (errno == EAGAIN || errno == EINTR) {
                    open.append(reader)
                } else {
                    close(reader.fd)
                }
            }
            readers = open
        }
        for reader in readers { close(reader.fd) }
        if input >= 0 { close(input) }
        let ended = termination ?? Spawn.wait(pid) ?? .exited(255)
        try? FileManager.default.removeItem(atPath: pidFile)

        var (exitCode, exitSignal): (Int, Int)
        switch ended {
        case .exited(let status) where status > 128 && status <= 128 + 64:
            (exitCode, exitSignal) = (Int(status), Int(status) - 128)
        case .exited(let status):
            (exitCode, exitSignal) = (Int(status), 0)
        case .signaled(let signal):
            (exitCode, exitSignal) = (128 + Int(signal), Int(signal))
        }
        if timedOut { (exitCode, exitSignal) = (128 + Int(SIGKILL), Int(SIGKILL)) }
        return Outcome(exitCode: exitCode, exitSignal: exitSignal, stdout: stdout.text, stderr: stderr.text, timedOut: timedOut)
    }

    private static func readPID(_ path: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private static func socketPair() throws -> (ours: Int32, theirs: Int32) {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw RuntimeError(.resources, "socketpair: \(String(cString: strerror(errno)))")
        }
        return (pair[0], pair[1])
    }

    private static func closeAll(_ fds: [Int32]) {
        for fd in fds where fd >= 0 { close(fd) }
    }
}

/// Output kept up to `limit` bytes; what comes after is counted and dropped.
struct BoundedOutput: Sendable {
    /// What the exec API returns of each stream, on every runtime.
    static let execLimit = 1 << 20

    let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var dropped = 0

    init(limit: Int) { self.limit = limit }

    init(limit: Int, bytes: [UInt8]) {
        self.limit = limit
        append(bytes[...])
    }

    mutating func append(_ chunk: ArraySlice<UInt8>) {
        let room = max(0, limit - bytes.count)
        bytes += chunk.prefix(room)
        dropped += max(0, chunk.count - room)
    }

    /// The output as text (invalid UTF-8 replaced), with a marker line when some was dropped.
    var text: String {
        let kept = String(decoding: bytes, as: UTF8.self)
        guard dropped > 0 else { return kept }
        return kept + (kept.hasSuffix("\n") ? "" : "\n") + "[tarmac: output truncated: \(dropped) more bytes after the first \(limit)]\n"
    }
}

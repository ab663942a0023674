import CTarmacLinux
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Waits for processes to end without polling: each wait opens a pidfd (`pidfd_open(2)`,
/// Linux ≥ 5.3), which becomes readable when its process ends, and one epoll descriptor,
/// watched by one dedicated thread for the whole process, resumes the waiter. So a thousand
/// machines waited on cost one thread and no timer.
///
/// A pidfd names one process, never a later one that reuses the pid; a wait that is given
/// the process's start time also checks, after opening it, that the pid was not reused
/// before. A cancelled wait unregisters its pidfd and throws `CancellationError`.
///
/// The primitive: a `Mutex` over the table of waits (short sections, taken by the waiters
/// and the monitor thread, never across a suspension), because the thread that resumes the
/// waiters is not part of Swift concurrency.
public final class ProcessExitMonitor: Sendable {
    /// How a wait ended.
    public enum Outcome: Sendable, Hashable {
        /// The process has ended (or was already gone). With `reap`, how it ended if it was
        /// a child of this process and this wait reaped it; else nil.
        case ended(Spawn.Termination?)
        /// This kernel has no pidfds (or forbids them): poll instead.
        case unsupported
    }

    /// The monitor of this process.
    public static let shared = ProcessExitMonitor()

    private enum Entry {
        /// Registered; the continuation once the waiter has suspended.
        case waiting(CheckedContinuation<Void, Never>?)
        case ended
        case cancelled
    }

    private struct State {
        var epoll: Int32 = -1
        var threadStarted = false
        var nextToken: UInt64 = 1
        var entries: [UInt64: Entry] = [:]
    }

    private let state = Mutex(State())
    private let threadName: String

    /// A monitor of its own (tests); everything else uses `shared`.
    init(threadName: String = "tarmac-exit-mon") {
        self.threadName = threadName
    }

    /// Number of waits currently registered (for tests and diagnostics).
    public var pendingWaits: Int { state.withLock { $0.entries.count } }

    /// Whether the monitor thread has been started (it is started by the first wait).
    public var isThreadRunning: Bool { state.withLock { $0.threadStarted } }

    /// Waits until `pid` ends. `startTime` (clock ticks since boot, see
    /// `Processes.startTime`) guards against a reused pid: when the pid now names a process
    /// that started at another time, the awaited one has ended. With `reap`, a child of this
    /// process is reaped (`waitid(P_PIDFD)`) and its termination returned; leave it false
    /// when someone else reaps the process.
    public func waitForExit(of pid: pid_t, startTime: UInt64? = nil, reap: Bool = false) async throws -> Outcome {
        try Task.checkCancellation()
        let pidfd = tarmac_pidfd_open(pid)
        if pidfd < 0 {
            let code = errno
            return code == ESRCH ? .ended(nil) : .unsupported
        }
        defer { close(pidfd) }
        // The pid names another process now: the awaited one has ended (and that one is not ours to reap).
        if let startTime, Processes.startTime(of: pid) != startTime { return .ended(nil) }
        guard let token = register(pidfd) else { return .unsupported }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    guard case .waiting(nil) = state.entries[token] else { return true }
                    state.entries[token] = .waiting(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            finish(token, as: .cancelled)
        }
        let epoll = state.withLock { $0.epoll }
        _ = tarmac_epoll_remove(epoll, pidfd)
        let entry = state.withLock { $0.entries.removeValue(forKey: token) }
        if case .cancelled = entry { throw CancellationError() }
        return .ended(reap ? Self.reap(pidfd) : nil)
    }

    /// Adds `pidfd` to the epoll set under a new token; nil when epoll is unavailable.
    private func register(_ pidfd: Int32) -> UInt64? {
        let registration = state.withLock { state -> (epoll: Int32, token: UInt64, startThread: Bool)? in
            if state.epoll < 0 {
                state.epoll = tarmac_epoll_create()
                guard state.epoll >= 0 else { return nil }
            }
            let token = state.nextToken
            state.nextToken += 1
            state.entries[token] = .waiting(nil)
            let startThread = !state.threadStarted
            state.threadStarted = true
            return (state.epoll, token, startThread)
        }
        guard let registration else { return nil }
        if registration.startThread { startThread(epoll: registration.epoll) }
        guard tarmac_epoll_add(registration.epoll, pidfd, registration.token) == 0 else {
            _ = state.withLock { $0.entries.removeValue(forKey: registration.token) }
            return nil
        }
        return registration.token
    }

    /// Marks the wait `token` ended or cancelled and resumes its waiter, if it is still waiting.
    private func finish(_ token: UInt64, as outcome: Entry) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard case .waiting(let continuation) = state.entries[token] else { return nil }
            state.entries[token] = outcome
            return continuation
        }
        continuation?.resume()
    }

    /// The monitor thread: blocks in `epoll_wait` for as long as the process runs.
    private func startThread(epoll: Int32) {
        let name = threadName
        let thread = Thread { [self] in
            _ = tarmac_set_thread_name(name)
            var tokens = [UInt64](repeating: 0, count: 64)
            while true {
                let count = tokens.withUnsafeMutableBufferPointer { buffer in
                    tarmac_epoll_wait(epoll, buffer.baseAddress, Int32(buffer.count), -1)
                }
                if count < 0 {
                    if errno == EINTR { continue }
                    // Cannot happen with a valid descriptor; do not spin.
                    usleep(100_000)
                    continue
                }
                for token in tokens[0..<Int(count)] { finish(token, as: .ended) }
            }
        }
        thread.name = name
        thread.start()
    }

    private static func reap(_ pidfd: Int32) -> Spawn.Termination? {
        var status: Int32 = 0
        return tarmac_pidfd_reap(pidfd, &status) == 1 ? Spawn.Termination(waitStatus: status) : nil
    }
}

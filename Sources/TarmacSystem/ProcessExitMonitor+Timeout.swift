#if canImport(Glibc)
import Glibc
#endif

extension ProcessExitMonitor {
    /// Waits until `pid` ends or `timeout` passes: how it ended (see `waitForExit(of:startTime:reap:)`),
    /// or nil when it still runs then (or the task was cancelled). Where the kernel has no
    /// pidfds it falls back to checking every 20 ms, so callers never need a loop of their own.
    public func waitForExit(of pid: pid_t, startTime: UInt64? = nil, reap: Bool = false, timeout: Duration) async -> Outcome? {
        await withTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                switch try? await self.waitForExit(of: pid, startTime: startTime, reap: reap) {
                case .ended(let termination)?: return .ended(termination)
                case .unsupported?: return await Self.poll(pid, startTime: startTime, reap: reap)
                case nil: return nil
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Waits, for as long as it takes, until `isRunning` says the process is gone: woken by
    /// its pidfd, checked every `pollInterval` only where the kernel has no pidfds. Throws
    /// only when cancelled.
    public func waitUntilGone(pid: pid_t, startTime: UInt64, pollInterval: Duration, isRunning: () -> Bool) async throws {
        while isRunning() {
            let outcome = try await waitForExit(of: pid, startTime: startTime)
            if outcome == .unsupported { try await Task.sleep(for: pollInterval) }
        }
    }

    /// The fallback: checks every 20 ms until the process is gone (nil once cancelled).
    private static func poll(_ pid: pid_t, startTime: UInt64?, reap: Bool) async -> Outcome? {
        while !Task.isCancelled {
            if reap, let termination = Spawn.poll(pid) { return .ended(termination) }
            let alive = startTime.map { Processes.isAlive(pid: pid, startTime: $0) } ?? (Glibc.kill(pid, 0) == 0 || errno != ESRCH)
            if !alive { return .ended(nil) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}

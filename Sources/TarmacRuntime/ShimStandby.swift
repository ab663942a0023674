import Synchronization
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

/// One pre-started shim waiting for its configuration, so that a machine start does not wait
/// for the `tarmac` executable to load (about 20 ms). Refilled after each start; a standby
/// exits by itself when the agent goes away (its socket reaches end of file).
final class ShimStandby: Sendable {
    private let command: [String]
    private let waiting = Mutex<ShimProcess?>(nil)

    init(command: [String]) {
        self.command = command
    }

    /// The waiting shim if there is a live one, else a newly launched shim.
    func take() throws(RuntimeError) -> ShimProcess {
        if let shim = waiting.withLock({ current -> ShimProcess? in
            defer { current = nil }
            return current
        }) {
            if shim.isRunning { return shim }
            shim.closeChannel()
        }
        return try ShimProcess.launch(command: command)
    }

    /// Launches a standby if none is waiting. Failures are left for the next `take()` to report.
    func refill() {
        waiting.withLock { current in
            if let existing = current, existing.isRunning { return }
            current?.closeChannel()
            current = try? ShimProcess.launch(command: command)
        }
    }

    deinit {
        // The standby has no container yet: end it and reap it, so no zombie is left in a
        // process that outlives its drivers (tests, an agent reloading its configuration).
        waiting.withLock { current in
            guard let shim = current else { return }
            shim.closeChannel()
            kill(shim.pid, SIGKILL)
            _ = Spawn.wait(shim.pid)
        }
    }
}

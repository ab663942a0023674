import Synchronization
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

/// One pre-started shim waiting for its configuration, so that a machine start does not wait
/// for the shim to load (about 1 ms for `tarmac-shim`, about 20 ms for `tarmac runtime-shim`).
/// Refilled after each start; a standby exits by itself when the agent goes away (its socket
/// reaches end of file).
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
            if shim.isRunning {
                // Back to normal priority: from here on the shim is on a machine's start path,
                // and the container's processes inherit its priority.
                Self.setPriority(0, of: shim.pid)
                return shim
            }
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
            // Load the standby at the lowest priority: it is refilled while the previous start
            // is still being answered, and must not compete with that on a small host.
            if let shim = current { Self.setPriority(19, of: shim.pid) }
        }
    }

    /// Sets the nice value of every thread of `pid` (Linux keeps it per thread).
    static func setPriority(_ value: Int32, of pid: pid_t) {
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        var threads: [pid_t] = []
        if let directory = opendir("/proc/\(pid)/task") {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if let tid = pid_t(name) { threads.append(tid) }
            }
            closedir(directory)
        }
        for tid in threads.isEmpty ? [pid] : threads { _ = setpriority(which, id_t(tid), value) }
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

import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import TarmacSystem
import Testing

/// Each test uses a monitor of its own (its own epoll descriptor and thread, named after the
/// test) so tests running in parallel, and the drivers' `shared` monitor, do not interfere.
@Suite("ProcessExitMonitor: pidfd + one epoll thread")
struct ProcessExitMonitorTests {
    static func spawn(_ script: String) throws -> pid_t {
        try Spawn.launch("/bin/sh", ["-c", script], fileActions: [.null(0), .null(1), .null(2), .closeFrom(3)])
    }

    /// Threads of this process whose name (comm, at most 15 bytes) is `name`.
    static func threads(named name: String) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.filter { task in
            let comm = (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? ""
            return comm.trimmingCharacters(in: .newlines) == name
        }.count
    }

    @Test("a child that exits is reported at once, with its exit code")
    func exitCode() async throws {
        let monitor = ProcessExitMonitor(threadName: "tm-exit-code")
        let pid = try Self.spawn("sleep 0.05; exit 7")
        let began = ContinuousClock.now
        let outcome = try await monitor.waitForExit(of: pid, startTime: Processes.startTime(of: pid), reap: true)
        let elapsed = ContinuousClock.now - began
        if outcome == .unsupported { return } // a kernel without pidfds: nothing to test
        #expect(outcome == .ended(.exited(7)))
        // A bound that only catches a hang: speed is measured by the benchmarks, not here.
        #expect(elapsed < .seconds(20))
        #expect(monitor.pendingWaits == 0)
        #expect(Spawn.poll(pid) == nil) // reaped by the wait: no zombie left
    }

    @Test("a bounded wait ends at its deadline while the process runs, and with the exit once it ends")
    func boundedWait() async throws {
        let monitor = ProcessExitMonitor(threadName: "tm-exit-bound")
        let sleeper = try Self.spawn("exec sleep 30")
        let began = ContinuousClock.now
        #expect(await monitor.waitForExit(of: sleeper, reap: true, timeout: .milliseconds(100)) == nil)
        #expect(ContinuousClock.now - began < .seconds(10))
        #expect(monitor.pendingWaits == 0) // the timed-out wait unregistered its pidfd
        kill(sleeper, SIGKILL)
        #expect(await monitor.waitForExit(of: sleeper, reap: true, timeout: .seconds(20)) == .ended(.signaled(SIGKILL)))
        let quick = try Self.spawn("exit 3")
        #expect(await monitor.waitForExit(of: quick, reap: true, timeout: .seconds(20)) == .ended(.exited(3)))
        #expect(Spawn.poll(quick) == nil) // reaped
    }

    @Test("a child killed by a signal is reported with the signal")
    func signal() async throws {
        let monitor = ProcessExitMonitor(threadName: "tm-exit-signal")
        let pid = try Self.spawn("exec sleep 30")
        let wait = Task { try await monitor.waitForExit(of: pid, reap: true) }
        try await Task.sleep(for: .milliseconds(50))
        kill(pid, SIGKILL)
        let outcome = try await wait.value
        if outcome == .unsupported { return }
        #expect(outcome == .ended(.signaled(SIGKILL)))
    }

    @Test("many concurrent waits share one thread and each ends when its process does")
    func manyWaitsOneThread() async throws {
        let name = "tm-exit-many"
        let monitor = ProcessExitMonitor(threadName: name)
        let pids = try (0..<40).map { index in try Self.spawn("sleep \(index % 3 + 3); exit \(index % 5)") }
        let outcomes = try await withThrowingTaskGroup(of: (Int, ProcessExitMonitor.Outcome).self) { group in
            for (index, pid) in pids.enumerated() {
                group.addTask { (index, try await monitor.waitForExit(of: pid, reap: true)) }
            }
            // All 40 are registered while the processes sleep (3–5 s, ample on a loaded host);
            // one thread watches them.
            let deadline = ContinuousClock.now + .seconds(2.5)
            while monitor.pendingWaits < pids.count, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            if monitor.isThreadRunning {
                #expect(monitor.pendingWaits == pids.count)
                // The thread names itself as it starts: give it a moment on a loaded host.
                while Self.threads(named: name) == 0, ContinuousClock.now < deadline + .seconds(2) {
                    try await Task.sleep(for: .milliseconds(5))
                }
                #expect(Self.threads(named: name) == 1)
            }
            var outcomes: [Int: ProcessExitMonitor.Outcome] = [:]
            for try await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
        if outcomes.values.contains(.unsupported) { return }
        for index in pids.indices {
            #expect(outcomes[index] == .ended(.exited(Int32(index % 5))))
        }
        #expect(monitor.pendingWaits == 0)
        #expect(Self.threads(named: name) == 1)
    }

    @Test("a cancelled wait ends with CancellationError and unregisters its pidfd")
    func cancellation() async throws {
        let monitor = ProcessExitMonitor(threadName: "tm-exit-cancel")
        let pid = try Self.spawn("exec sleep 30")
        defer {
            kill(pid, SIGKILL)
            _ = Spawn.wait(pid)
        }
        let wait = Task { try await monitor.waitForExit(of: pid) }
        let deadline = ContinuousClock.now + .seconds(2)
        while monitor.pendingWaits == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        if !monitor.isThreadRunning { return } // no pidfds here
        let began = ContinuousClock.now
        wait.cancel()
        await #expect(throws: CancellationError.self) { try await wait.value }
        #expect(ContinuousClock.now - began < .seconds(1))
        #expect(monitor.pendingWaits == 0)

        // Already cancelled before it starts: no registration at all.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await monitor.waitForExit(of: pid)
        }
        await #expect(throws: CancellationError.self) { try await early.value }
        #expect(monitor.pendingWaits == 0)
    }

    @Test("a process that is gone, or a pid now naming another process, has ended")
    func goneOrReused() async throws {
        let monitor = ProcessExitMonitor(threadName: "tm-exit-gone")
        let pid = try Self.spawn("exit 0")
        _ = Spawn.wait(pid)
        let gone = try await monitor.waitForExit(of: pid)
        #expect(gone == .ended(nil) || gone == .unsupported)

        // Our own pid with a start time it never had stands for a reused pid.
        let own = getpid()
        let start = try #require(Processes.startTime(of: own))
        let reused = try await monitor.waitForExit(of: own, startTime: start + 1)
        #expect(reused == .ended(nil) || reused == .unsupported)
        #expect(monitor.pendingWaits == 0)
    }
}

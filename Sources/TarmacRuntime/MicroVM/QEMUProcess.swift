import Foundation
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

/// A QEMU process identified by pid and start time. QEMU runs daemonized (`-daemonize`:
/// forked into its own session, reparented away from the agent), so it outlives the agent
/// and is never our child unless this process is a child subreaper; liveness is read from
/// /proc, like the container shim's.
struct QEMUProcess: Sendable, Hashable {
    var pid: Int32
    var startTime: UInt64

    /// Runs `qemu` with `arguments` (which must contain `-daemonize` and `-pidfile
    /// pidFile`); returns once QEMU has daemonized, i.e. its sockets exist and its pid file
    /// is written. QEMU's own start-up errors are thrown with its stderr.
    static func launch(qemu: String, arguments: [String], pidFile: String, launchTimeout: Duration = .seconds(60)) async throws -> QEMUProcess {
        try? FileManager.default.removeItem(atPath: pidFile)
        let errors = "\(pidFile).err"
        // Only stdio is handed over (QEMU must not keep any of the agent's descriptors, such
        // as its listening sockets); stderr goes to a file until QEMU daemonizes.
        let pid = try Spawn.launch(qemu, arguments, fileActions: [
            .null(0), .null(1), .open(errors, to: 2, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644), .closeFrom(3),
        ])
        // QEMU daemonizes once its sockets exist: the launcher's exit is the signal, and
        // waiting for it holds no thread (the exit monitor's pidfd wakes us).
        let termination: Spawn.Termination?
        switch await ProcessExitMonitor.shared.waitForExit(of: pid, reap: true, timeout: launchTimeout) {
        case .ended(let ended)?: termination = ended ?? Spawn.poll(pid)
        case .unsupported?, nil:
            Glibc.kill(pid, SIGKILL)
            _ = await ProcessExitMonitor.shared.waitForExit(of: pid, reap: true, timeout: .seconds(5))
            throw RuntimeError(.startFailed, "QEMU did not daemonize within \(launchTimeout) (see \(errors))")
        }
        let detail = ((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        try? FileManager.default.removeItem(atPath: errors)
        guard termination == .exited(0) else {
            throw RuntimeError(.startFailed, "QEMU failed to start (\(termination.map { "\($0)" } ?? "lost")): \(detail.isEmpty ? "no message" : detail)")
        }
        guard let process = read(pidFile: pidFile) else {
            throw RuntimeError(.startFailed, "QEMU started but its pid file \(pidFile) is missing or stale\(detail.isEmpty ? "" : ": \(detail)")")
        }
        return process
    }

    /// The process named by a QEMU pid file, when it is running.
    static func read(pidFile: String) -> QEMUProcess? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
              let startTime = Processes.startTime(of: pid) else { return nil }
        return QEMUProcess(pid: pid, startTime: startTime)
    }

    /// Whether it still runs. Reaps it first when it is our child that has exited (only
    /// possible when this process is a child subreaper), so no zombie stays.
    var isRunning: Bool {
        reapIfChild()
        if Processes.isAlive(pid: pid, startTime: startTime) { return true }
        reapIfChild()
        return false
    }

    private func reapIfChild() {
        guard pid > 0, Processes.startTime(of: pid) == startTime else { return }
        _ = Spawn.poll(pid)
    }

    /// Sends `signal` when the process is still this one.
    @discardableResult
    func kill(_ signal: Int32) -> Bool {
        guard Processes.isAlive(pid: pid, startTime: startTime) else { return false }
        return Glibc.kill(pid, signal) == 0
    }

    /// Waits until the process is gone or `timeout` passes (woken by its pidfd, no
    /// polling); true when it is gone.
    func waitForExit(timeout: Duration) async -> Bool {
        guard isRunning else { return true }
        _ = await ProcessExitMonitor.shared.waitForExit(of: pid, startTime: startTime, timeout: timeout)
        return !isRunning
    }

    /// Waits, for as long as it takes, until the process is gone; throws only when cancelled.
    func untilExit(pollInterval: Duration) async throws {
        try await ProcessExitMonitor.shared.waitUntilGone(pid: pid, startTime: startTime, pollInterval: pollInterval) { isRunning }
    }

    /// SIGKILL and wait until it is gone (bounded).
    func terminate() async {
        guard isRunning else { return }
        kill(SIGKILL)
        _ = await waitForExit(timeout: .seconds(5))
    }

    /// Running QEMU processes whose `-name` value starts with `namePrefix`, with that value.
    static func running(namePrefix: String) -> [(process: QEMUProcess, name: String)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var found: [(QEMUProcess, String)] = []
        for entry in entries {
            guard let pid = Int32(entry), let raw = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let arguments = raw.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            guard let first = arguments.first, first.contains("qemu-system"),
                  let index = arguments.firstIndex(of: "-name"), index + 1 < arguments.count,
                  arguments[index + 1].hasPrefix(namePrefix),
                  let startTime = Processes.startTime(of: pid), Processes.state(of: pid) != "Z" else { continue }
            found.append((QEMUProcess(pid: pid, startTime: startTime), arguments[index + 1]))
        }
        return found
    }
}

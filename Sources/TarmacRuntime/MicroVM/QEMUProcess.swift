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
    static func launch(qemu: String, arguments: [String], pidFile: String) async throws -> QEMUProcess {
        try? FileManager.default.removeItem(atPath: pidFile)
        let errors = "\(pidFile).err"
        // Only stdio is handed over (QEMU must not keep any of the agent's descriptors, such
        // as its listening sockets); stderr goes to a file until QEMU daemonizes.
        let pid = try Spawn.launch(qemu, arguments, fileActions: [
            .null(0), .null(1), .open(errors, to: 2, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644), .closeFrom(3),
        ])
        let termination = try await BlockingIO.run { Spawn.wait(pid) }
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

    /// Polls until the process is gone or `timeout` passes; true when it is gone.
    func waitForExit(timeout: Duration, interval: Duration = .milliseconds(20)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: interval)
        }
        return true
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

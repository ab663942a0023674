import Foundation
import Synchronization
import TarmacModel
import TarmacRuntime

/// An in-memory runtime that can suspend: "processes" are entries in a table that end when
/// signalled, suspended or told to exit. Records every call for the tests.
final class FakeDriver: RuntimeDriver {
    struct Instance {
        var handle: RuntimeHandle
        var exit: ExitStatus?
        var waiters: [UUID: CheckedContinuation<ExitStatus, any Error>] = [:]
    }

    struct State {
        var instances: [Int32: Instance] = [:]
        var nextPID: Int32 = 1000
        var starts: [RuntimeSpec] = []
        var resumes: [(spec: RuntimeSpec, snapshot: SnapshotInfo)] = []
        var suspends: [RuntimeHandle] = []
        var discarded: [SnapshotInfo] = []
        var cleanups: [RuntimeHandle] = []
        var execs: [ExecRequest] = []
        var suspendError: RuntimeError?
        var resumeError: RuntimeError?
        /// When set, `start` takes this long (a slow pull or TCG boot); it honours cancellation.
        var startDelay: Duration?
        var cancelledStarts = 0
    }

    let state = Mutex(State())
    let name = "fakevm"
    let canSuspend: Bool

    init(canSuspend: Bool = true) { self.canSuspend = canSuspend }

    /// Its slow start (`slowStart`) makes nothing until it ends: safe to cancel.
    var startIsCancellable: Bool { true }

    var resumes: [(spec: RuntimeSpec, snapshot: SnapshotInfo)] { state.withLock { $0.resumes } }
    var discarded: [SnapshotInfo] { state.withLock { $0.discarded } }
    var starts: [RuntimeSpec] { state.withLock { $0.starts } }
    var suspends: [RuntimeHandle] { state.withLock { $0.suspends } }
    var execs: [ExecRequest] { state.withLock { $0.execs } }
    /// Pids of instances whose process is still running.
    var running: [Int32] { state.withLock { $0.instances.values.filter { $0.exit == nil }.map(\.handle.pid).sorted() } }

    func failSuspend(_ error: RuntimeError?) { state.withLock { $0.suspendError = error } }
    func slowStart(_ delay: Duration?) { state.withLock { $0.startDelay = delay } }
    var cancelledStarts: Int { state.withLock { $0.cancelledStarts } }
    func failResume(_ error: RuntimeError?) { state.withLock { $0.resumeError = error } }

    private func launch(_ spec: RuntimeSpec, kind: String) -> RuntimeHandle {
        state.withLock { state in
            state.nextPID += 1
            let handle = RuntimeHandle(
                machineID: spec.machineID, driver: name, pid: state.nextPID, pidStartTime: 1, processPID: state.nextPID,
                details: ["kind": kind])
            state.instances[handle.pid] = Instance(handle: handle)
            return handle
        }
    }

    /// Ends the instance's process with `status` (a no-op when it already ended).
    func end(_ pid: Int32, _ status: ExitStatus) {
        let waiters = state.withLock { state -> [CheckedContinuation<ExitStatus, any Error>] in
            guard var instance = state.instances[pid], instance.exit == nil else { return [] }
            instance.exit = status
            let waiters = Array(instance.waiters.values)
            instance.waiters = [:]
            state.instances[pid] = instance
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: status) }
    }

    func start(_ spec: RuntimeSpec) async throws -> RuntimeHandle {
        let delay = state.withLock { state -> Duration? in
            state.starts.append(spec)
            return state.startDelay
        }
        if let delay {
            do {
                try await Task.sleep(for: delay)
            } catch {
                state.withLock { $0.cancelledStarts += 1 }
                throw error
            }
        }
        return launch(spec, kind: "boot")
    }

    func signal(_ handle: RuntimeHandle, _ signal: Int32) async throws {
        end(handle.pid, ExitStatus(exitCode: 0, signal: Int(signal), oomKilled: false, exitedAt: Date()))
    }

    /// Waits like a real driver: cancellation stops the waiting (not the machine).
    func wait(_ handle: RuntimeHandle) async throws -> ExitStatus {
        let token = UUID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let done = state.withLock { state -> Result<ExitStatus, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    guard var instance = state.instances[handle.pid] else {
                        return .success(ExitStatus(exitCode: 0, signal: 0, oomKilled: false, exitedAt: Date(), error: "unknown instance"))
                    }
                    if let exit = instance.exit { return .success(exit) }
                    instance.waiters[token] = continuation
                    state.instances[handle.pid] = instance
                    return nil
                }
                if let done { continuation.resume(with: done) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.instances[handle.pid]?.waiters.removeValue(forKey: token) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    func status(_ handle: RuntimeHandle) async -> RuntimeStatus {
        state.withLock { state in
            guard let instance = state.instances[handle.pid] else { return .gone }
            return instance.exit.map { .exited($0) } ?? .running
        }
    }

    func cleanup(_ handle: RuntimeHandle) async throws {
        state.withLock { $0.cleanups.append(handle) }
    }

    func removeOrphans(keeping known: Set<String>) async -> [String] { [] }

    func exec(_ handle: RuntimeHandle, _ request: ExecRequest) async throws -> ExecResult {
        let running = state.withLock { state in
            state.execs.append(request)
            return state.instances[handle.pid].map { $0.exit == nil } ?? false
        }
        guard running else { throw RuntimeError(.notRunning, "machine \(handle.machineID) is not running") }
        return ExecResult(exitCode: 0, exitSignal: 0, stdout: request.command.joined(separator: " ") + "\n", stderr: "")
    }

    func suspend(_ handle: RuntimeHandle) async throws -> SnapshotInfo {
        let error = state.withLock { state in
            state.suspends.append(handle)
            return state.suspendError
        }
        if let error { throw error }
        // The VM process ends as part of the suspend.
        end(handle.pid, ExitStatus(exitCode: 0, signal: 0, oomKilled: false, exitedAt: Date()))
        return SnapshotInfo(machineID: handle.machineID, details: ["from": "\(handle.pid)"], createdAt: Date())
    }

    func resume(_ spec: RuntimeSpec, from snapshot: SnapshotInfo) async throws -> RuntimeHandle {
        let error = state.withLock { state in
            state.resumes.append((spec, snapshot))
            return state.resumeError
        }
        if let error { throw error }
        return launch(spec, kind: "resume")
    }

    func discard(_ snapshot: SnapshotInfo) async {
        state.withLock { $0.discarded.append(snapshot) }
    }
}

import Foundation
import Testing
import TarmacModel
import TarmacRuntime
@testable import TarmacAgent

/// Suspend and resume transitions, table-tested from machines built by real transitions
/// (a suspended machine carries its snapshot).
@Suite("MachineFSM suspend and resume")
struct MachineFSMSuspendTests {
    typealias F = FSMFixtures

    static let snapshot = SnapshotInfo(machineID: "m1", details: ["state": "/m/m1/snapshot/state"], createdAt: Date(timeIntervalSince1970: 1_700_000_000))
    static let other = SnapshotInfo(machineID: "m1", details: ["state": "/m/m1/old"], createdAt: Date(timeIntervalSince1970: 1_600_000_000))
    static let launch: [Action] = [.report(.starting, nil), .launch]
    static let discard: Action = .discard(snapshot)

    static func suspending(_ policy: MachineFSM.Policy = F.onFailure) -> MachineFSM {
        var fsm = F.started(policy)
        _ = fsm.handle(.suspend)
        return fsm
    }

    static func suspended(_ policy: MachineFSM.Policy = F.onFailure) -> MachineFSM {
        var fsm = suspending(policy)
        _ = fsm.handle(.suspended(snapshot))
        return fsm
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var from: Phase
        var input: MachineFSM.Input
        var actions: [Action]
        var to: Phase
        var refused = false
        var snapshotAfter: SnapshotInfo?
        var testDescription: String { "\(from) + \(input)" }
    }

    static func start(_ from: Phase) -> MachineFSM {
        switch from {
        case .suspending: suspending()
        case .suspended: suspended()
        case .started: F.started()
        case .stopping: F.stopping()
        default: MachineFSM(policy: F.onFailure, phase: from)
        }
    }

    static let table: [Row] = [
        // suspend: only a started machine
        Row(from: .started, input: .suspend, actions: [.report(.suspending, nil), .suspend], to: .suspending),
        Row(from: .created, input: .suspend, actions: [], to: .created, refused: true),
        Row(from: .starting, input: .suspend, actions: [], to: .starting, refused: true),
        Row(from: .stopping, input: .suspend, actions: [], to: .stopping, refused: true),
        Row(from: .stopped, input: .suspend, actions: [], to: .stopped, refused: true),
        Row(from: .failed, input: .suspend, actions: [], to: .failed, refused: true),
        Row(from: .restarting, input: .suspend, actions: [], to: .restarting, refused: true),
        Row(from: .suspending, input: .suspend, actions: [], to: .suspending),
        Row(from: .suspended, input: .suspend, actions: [], to: .suspended, snapshotAfter: snapshot),

        // while suspending: the snapshot arrives, or the suspend fails
        Row(from: .suspending, input: .suspended(snapshot), actions: [.cleanup, .report(.suspended, .suspended)], to: .suspended, snapshotAfter: snapshot),
        Row(from: .suspending, input: .suspendFailed("qmp: migrate failed"), actions: [.report(.started, .suspendFailed("qmp: migrate failed"))], to: .started),
        // the VM process ending as part of the suspend is not a crash
        Row(from: .suspending, input: .exited(F.exit(code: 0)), actions: [], to: .suspending),
        Row(from: .suspending, input: .exited(F.exit(signal: 9)), actions: [], to: .suspending),
        Row(from: .suspending, input: .stopTimeout, actions: [], to: .suspending),
        Row(from: .suspending, input: .restartDelayElapsed, actions: [], to: .suspending),
        Row(from: .suspending, input: .launched, actions: [], to: .suspending),
        // user commands wait for the suspend to finish
        Row(from: .suspending, input: .start, actions: [], to: .suspending, refused: true),
        Row(from: .suspending, input: .stop(signal: 15, timeout: .seconds(10)), actions: [], to: .suspending, refused: true),
        Row(from: .suspending, input: .restart(signal: 15, timeout: .seconds(10)), actions: [], to: .suspending, refused: true),
        Row(from: .suspending, input: .signal(10), actions: [], to: .suspending, refused: true),
        Row(from: .suspending, input: .destroy(force: true), actions: [], to: .suspending, refused: true),
        Row(from: .suspending, input: .replace(launch: true), actions: [], to: .suspending, refused: true),

        // from suspended
        Row(from: .suspended, input: .start, actions: [.report(.starting, nil), .resume(snapshot)], to: .starting, snapshotAfter: snapshot),
        Row(from: .suspended, input: .stop(signal: 15, timeout: .seconds(10)), actions: [discard, .report(.stopped, nil)], to: .stopped),
        Row(from: .suspended, input: .restart(signal: 15, timeout: .seconds(10)), actions: [discard] + launch, to: .starting),
        Row(from: .suspended, input: .destroy(force: false), actions: [discard, .report(.destroyed, .destroyed), .forget], to: .destroyed),
        Row(from: .suspended, input: .destroy(force: true), actions: [discard, .report(.destroyed, .destroyed), .forget], to: .destroyed),
        Row(from: .suspended, input: .replace(launch: false), actions: [discard, .report(.stopped, nil)], to: .stopped),
        Row(from: .suspended, input: .replace(launch: true), actions: [discard] + launch, to: .starting),
        Row(from: .suspended, input: .signal(15), actions: [], to: .suspended, refused: true, snapshotAfter: snapshot),
        // late callbacks and timers change nothing
        Row(from: .suspended, input: .exited(F.exit(code: 1)), actions: [], to: .suspended, snapshotAfter: snapshot),
        Row(from: .suspended, input: .launched, actions: [], to: .suspended, snapshotAfter: snapshot),
        Row(from: .suspended, input: .launchFailed("late"), actions: [], to: .suspended, snapshotAfter: snapshot),
        Row(from: .suspended, input: .stopTimeout, actions: [], to: .suspended, snapshotAfter: snapshot),
        Row(from: .suspended, input: .restartDelayElapsed, actions: [], to: .suspended, snapshotAfter: snapshot),
        Row(from: .suspended, input: .suspended(snapshot), actions: [], to: .suspended, snapshotAfter: snapshot),
        Row(from: .suspended, input: .suspendFailed("late"), actions: [], to: .suspended, snapshotAfter: snapshot),
        // a snapshot that arrives when nobody waits for it is deleted
        Row(from: .started, input: .suspended(other), actions: [.discard(other)], to: .started),
        Row(from: .stopped, input: .suspended(other), actions: [.discard(other)], to: .stopped),
        Row(from: .suspended, input: .suspended(other), actions: [.discard(other)], to: .suspended, snapshotAfter: snapshot),
        Row(from: .started, input: .suspendFailed("late"), actions: [], to: .started),
    ]

    @Test("transition", arguments: table)
    func transition(_ row: Row) {
        var fsm = Self.start(row.from)
        #expect(fsm.phase == row.from)
        let outcome = fsm.handle(row.input)
        #expect(outcome.actions == row.actions)
        #expect(fsm.phase == row.to)
        #expect(fsm.snapshot == row.snapshotAfter)
        #expect((outcome.rejection != nil) == row.refused, "\(outcome.rejection ?? "accepted")")
    }

    @Test("a suspended machine without a snapshot (lost) starts cold")
    func suspendedWithoutSnapshot() {
        var fsm = MachineFSM(policy: F.onFailure, phase: .suspended)
        #expect(fsm.handle(.start).actions == Self.launch)
        #expect(fsm.phase == .starting)
    }

    @Test("resume: launched → started, the snapshot is consumed")
    func resumeLaunched() {
        var fsm = Self.suspended()
        _ = fsm.handle(.start)
        #expect(fsm.handle(.launched).actions == [.report(.started, .started)])
        #expect(fsm.phase == .started)
        #expect(fsm.snapshot == nil)
        // Exits of the resumed instance are ordinary exits again.
        #expect(fsm.handle(.exited(F.exit(code: 1))).actions.contains(.cleanup))
        #expect(fsm.phase == .restarting)
    }

    @Test("a failed resume discards the snapshot and leaves the machine failed; start then boots cold")
    func resumeFailed() {
        var fsm = Self.suspended()
        _ = fsm.handle(.start)
        let outcome = fsm.handle(.launchFailed("resume from snapshot failed: state file missing"))
        #expect(outcome.actions == [Self.discard, .cleanup, .report(.failed, .launchFailed("resume from snapshot failed: state file missing"))])
        #expect(fsm.phase == .failed)
        #expect(fsm.snapshot == nil)
        #expect(fsm.handle(.start).actions == Self.launch)
    }

    @Test("a stop asked for while resuming is applied once the machine runs")
    func stopWhileResuming() {
        var fsm = Self.suspended()
        _ = fsm.handle(.start)
        #expect(fsm.handle(.stop(signal: 15, timeout: .seconds(10))).actions == [.cancelLaunch])
        let outcome = fsm.handle(.launched)
        #expect(outcome.actions == [.report(.started, .started), .report(.stopping, nil), .signal(15), .armStopTimer(.seconds(10))])
        #expect(fsm.snapshot == nil)
    }

    @Test("forced destroy while resuming, then the resume fails: snapshot discarded, machine destroyed")
    func destroyWhileResumingFails() {
        var fsm = Self.suspended()
        _ = fsm.handle(.start)
        _ = fsm.handle(.destroy(force: true))
        let outcome = fsm.handle(.launchFailed("boom"))
        #expect(outcome.actions == [Self.discard, .cleanup, .report(.destroyed, .destroyed), .forget])
        #expect(fsm.phase == .destroyed)
    }

    @Test("a failed suspend after the process exited is handled as that exit (restart policy applies)")
    func suspendFailedAfterExit() {
        var fsm = Self.suspending(F.policy(.always))
        _ = fsm.handle(.exited(F.exit(code: 0, signal: 9)))
        let outcome = fsm.handle(.suspendFailed("qemu died"))
        #expect(outcome.actions == [
            .report(.started, .suspendFailed("qemu died")),
            .cleanup,
            F.exitReport(.restarting, code: 137, signal: 9, requestedStop: false, restarting: true, restartCount: 1),
            .armRestartTimer(MachineFSM.restartDelay(forAttempt: 1)),
        ])
        #expect(fsm.phase == .restarting)
        #expect(fsm.exitWhileSuspending == nil)
    }

    @Test("an exit during a successful suspend is forgotten, even with restart policy always")
    func exitDuringSuccessfulSuspend() {
        var fsm = Self.suspending(F.policy(.always))
        _ = fsm.handle(.exited(F.exit(code: 0)))
        #expect(fsm.handle(.suspended(Self.snapshot)).actions == [.cleanup, .report(.suspended, .suspended)])
        #expect(fsm.exitWhileSuspending == nil)
        #expect(fsm.restartCount == 0)
        #expect(fsm.handle(.exited(F.exit(code: 0))).actions.isEmpty)
        #expect(fsm.phase == .suspended)
    }

    @Test("a suspended FSM round-trips through JSON with its snapshot (the agent persists it)")
    func codable() throws {
        let fsm = Self.suspended()
        let decoded = try JSONDecoder().decode(MachineFSM.self, from: JSONEncoder().encode(fsm))
        #expect(decoded == fsm)
        #expect(decoded.snapshot == Self.snapshot)
        #expect(decoded.phase == .suspended)
    }

    @Test("records written before suspend support decode (no snapshot fields)")
    func decodesOldRecords() throws {
        let old = #"{"phase":"started","restartCount":2,"policy":{"restart":"on-failure","maxRetries":10,"autoDestroy":false}}"#
        let decoded = try JSONDecoder().decode(MachineFSM.self, from: Data(old.utf8))
        #expect(decoded.phase == .started)
        #expect(decoded.snapshot == nil)
    }
}

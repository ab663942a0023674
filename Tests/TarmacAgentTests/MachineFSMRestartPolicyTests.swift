import Foundation
import Testing
import TarmacModel
@testable import TarmacAgent

/// What happens when the main process exits on its own: restart policy, retries, backoff, auto_destroy.
@Suite("MachineFSM restart policy")
struct MachineFSMRestartPolicyTests {
    typealias F = FSMFixtures

    @Test("policy no: any exit stops the machine")
    func policyNo() {
        var fsm = F.started(F.policy(.no))
        #expect(fsm.handle(.exited(F.exit(code: 1))).actions == [.cleanup, F.exitReport(.stopped, code: 1, requestedStop: false, restarting: false, restartCount: 0)])
        #expect(fsm.phase == .stopped)
    }

    @Test("policy on-failure: exit 0 stops the machine")
    func onFailureSuccess() {
        var fsm = F.started(F.policy(.onFailure))
        #expect(fsm.handle(.exited(F.exit(code: 0))).actions == [.cleanup, F.exitReport(.stopped, requestedStop: false, restarting: false, restartCount: 0)])
        #expect(fsm.phase == .stopped)
    }

    @Test("policy on-failure: failures restart with backoff until max_retries, then the machine stops")
    func onFailureRetries() {
        var fsm = F.started(F.policy(.onFailure, maxRetries: 3))
        for attempt in 1...3 {
            let exited = fsm.handle(.exited(F.exit(code: 1)))
            #expect(exited.actions == [
                .cleanup,
                F.exitReport(.restarting, code: 1, requestedStop: false, restarting: true, restartCount: attempt),
                .armRestartTimer(MachineFSM.restartDelay(forAttempt: attempt)),
            ])
            #expect(fsm.phase == .restarting)
            #expect(fsm.restartCount == attempt)
            #expect(fsm.handle(.restartDelayElapsed).actions == [.report(.starting, nil), .launch])
            _ = fsm.handle(.launched)
            #expect(fsm.phase == .started)
        }
        let last = fsm.handle(.exited(F.exit(code: 1)))
        #expect(last.actions == [.cleanup, F.exitReport(.stopped, code: 1, requestedStop: false, restarting: false, restartCount: 3)])
        #expect(fsm.phase == .stopped)
        // A user start begins a fresh retry budget.
        _ = fsm.handle(.start)
        #expect(fsm.restartCount == 0)
    }

    @Test("policy on-failure with max_retries 0 never restarts")
    func onFailureNoRetries() {
        var fsm = F.started(F.policy(.onFailure, maxRetries: 0))
        _ = fsm.handle(.exited(F.exit(code: 2)))
        #expect(fsm.phase == .stopped)
    }

    @Test("policy on-failure: an OOM kill and a crash by signal count as failures")
    func oomAndSignalAreFailures() {
        var oom = F.started(F.policy(.onFailure))
        #expect(oom.handle(.exited(F.exit(code: 0, oom: true))).actions == [
            .cleanup, F.exitReport(.restarting, oom: true, requestedStop: false, restarting: true, restartCount: 1), .armRestartTimer(.milliseconds(250)),
        ])
        var segv = F.started(F.policy(.onFailure))
        #expect(segv.handle(.exited(F.exit(signal: 11))).actions == [
            .cleanup, F.exitReport(.restarting, code: 139, signal: 11, requestedStop: false, restarting: true, restartCount: 1), .armRestartTimer(.milliseconds(250)),
        ])
        var runtimeError = F.started(F.policy(.onFailure))
        _ = runtimeError.handle(.exited(F.exit(error: "shim vanished")))
        #expect(runtimeError.phase == .restarting)
    }

    @Test("policy always: restarts after exit 0")
    func policyAlways() {
        var fsm = F.started(F.policy(.always, maxRetries: 1))
        for attempt in 1...3 {
            let exited = fsm.handle(.exited(F.exit(code: 0)))
            #expect(exited.actions.contains(F.exitReport(.restarting, requestedStop: false, restarting: true, restartCount: attempt)))
            #expect(fsm.phase == .restarting)
            _ = fsm.handle(.restartDelayElapsed)
            _ = fsm.handle(.launched)
        }
    }

    @Test("stop while waiting to restart: stopped, and the pending restart timer is a no-op")
    func stopWhileRestarting() {
        var fsm = F.started(F.policy(.onFailure))
        _ = fsm.handle(.exited(F.exit(code: 1)))
        #expect(fsm.handle(.stop(signal: 15, timeout: .seconds(1))).actions == [.report(.stopped, nil)])
        #expect(fsm.phase == .stopped)
        #expect(fsm.handle(.restartDelayElapsed).actions.isEmpty)
        #expect(fsm.phase == .stopped)
    }

    @Test("auto_destroy: after the process exits the machine is destroyed and forgotten")
    func autoDestroy() {
        var fsm = F.started(F.policy(.no, autoDestroy: true))
        let exited = fsm.handle(.exited(F.exit(code: 0)))
        #expect(exited.actions == [
            .cleanup, F.exitReport(.stopped, requestedStop: false, restarting: false, restartCount: 0),
            .report(.destroyed, .destroyed), .forget,
        ])
        #expect(fsm.phase == .destroyed)
    }

    @Test("auto_destroy with on-failure: failures restart, a clean exit destroys")
    func autoDestroyOnFailure() {
        var fsm = F.started(F.policy(.onFailure, autoDestroy: true))
        _ = fsm.handle(.exited(F.exit(code: 1)))
        #expect(fsm.phase == .restarting)
        _ = fsm.handle(.restartDelayElapsed)
        _ = fsm.handle(.launched)
        let exited = fsm.handle(.exited(F.exit(code: 0)))
        #expect(exited.actions.last == .forget)
        #expect(fsm.phase == .destroyed)
    }

    @Test("auto_destroy: a requested stop destroys too")
    func autoDestroyOnStop() {
        var fsm = F.stopping(F.policy(.no, autoDestroy: true))
        let exited = fsm.handle(.exited(F.exit(signal: 15)))
        #expect(exited.actions == [
            .cleanup, F.exitReport(.stopped, code: 143, signal: 15, requestedStop: true, restarting: false, restartCount: 0),
            .report(.destroyed, .destroyed), .forget,
        ])
    }
}

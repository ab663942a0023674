import Foundation
import Testing
import TarmacModel
@testable import TarmacAgent

/// Multi-step lifecycles of the per-machine state machine.
@Suite("MachineFSM scenarios")
struct MachineFSMScenarioTests {
    typealias F = FSMFixtures

    @Test("create → start → launched → started")
    func createToStarted() {
        var fsm = MachineFSM(policy: F.onFailure)
        #expect(fsm.phase == .created)
        #expect(fsm.handle(.start).actions == [.report(.starting, nil), .launch])
        #expect(fsm.phase == .starting)
        #expect(fsm.handle(.launched).actions == [.report(.started, .started)])
        #expect(fsm.phase == .started)
        #expect(fsm.restartCount == 0)
        #expect(fsm.stop == nil)
    }

    @Test("a launch failure leaves the machine failed; it can be started again")
    func launchFailure() {
        var fsm = MachineFSM(policy: F.onFailure)
        _ = fsm.handle(.start)
        let outcome = fsm.handle(.launchFailed("exec format error"))
        #expect(outcome.actions == [.cleanup, .report(.failed, .launchFailed("exec format error"))])
        #expect(fsm.phase == .failed)
        #expect(fsm.handle(.start).actions == [.report(.starting, nil), .launch])
    }

    @Test("stop: signal, timer, then the exit stops the machine with requested_stop")
    func stopStarted() {
        var fsm = F.started()
        let stop = fsm.handle(.stop(signal: 15, timeout: .seconds(10)))
        #expect(stop.actions == [.report(.stopping, nil), .signal(15), .armStopTimer(.seconds(10))])
        #expect(fsm.phase == .stopping)
        #expect(fsm.stop == MachineFSM.StopIntent(signal: 15, timeout: .seconds(10), then: .stay))
        let exited = fsm.handle(.exited(F.exit(signal: 15)))
        #expect(exited.actions == [.cleanup, F.exitReport(.stopped, code: 143, signal: 15, requestedStop: true, restarting: false, restartCount: 0)])
        #expect(fsm.phase == .stopped)
        #expect(fsm.stop == nil)
    }

    @Test("a requested stop never restarts, even with restart policy always")
    func stopWithAlways() {
        var fsm = F.stopping(F.policy(.always))
        let exited = fsm.handle(.exited(F.exit(code: 1)))
        #expect(exited.actions == [.cleanup, F.exitReport(.stopped, code: 1, requestedStop: true, restarting: false, restartCount: 0)])
        #expect(fsm.phase == .stopped)
    }

    @Test("stop timeout sends SIGKILL; the kill's exit code is 128+9")
    func stopTimeout() {
        var fsm = F.stopping()
        #expect(fsm.handle(.stopTimeout).actions == [.signal(9)])
        #expect(fsm.phase == .stopping)
        let exited = fsm.handle(.exited(F.exit(signal: 9)))
        #expect(exited.actions == [.cleanup, F.exitReport(.stopped, code: 137, signal: 9, requestedStop: true, restarting: false, restartCount: 0)])
        #expect(fsm.phase == .stopped)
        // The timer of the finished stop firing late changes nothing.
        #expect(fsm.handle(.stopTimeout).actions.isEmpty)
        #expect(fsm.phase == .stopped)
    }

    @Test("stop while starting cancels the launch; a launch that completes anyway is then stopped")
    func stopWhileStarting() {
        var fsm = MachineFSM(policy: F.onFailure)
        _ = fsm.handle(.start)
        let pending = fsm.handle(.stop(signal: 15, timeout: .seconds(3)))
        #expect(pending.actions == [.cancelLaunch])
        #expect(pending.rejection == nil)
        #expect(fsm.phase == .starting)
        #expect(fsm.pendingStop == MachineFSM.StopIntent(signal: 15, timeout: .seconds(3), then: .stay))
        let launched = fsm.handle(.launched)
        #expect(launched.actions == [.report(.started, .started), .report(.stopping, nil), .signal(15), .armStopTimer(.seconds(3))])
        #expect(fsm.phase == .stopping)
        #expect(fsm.pendingStop == nil)
        _ = fsm.handle(.exited(F.exit()))
        #expect(fsm.phase == .stopped)
    }

    @Test("stop while starting, then the launch ends cancelled (or failed): stopped, pending stop consumed")
    func stopWhileStartingLaunchFails() {
        var fsm = MachineFSM(policy: F.onFailure)
        _ = fsm.handle(.start)
        _ = fsm.handle(.stop(signal: 15, timeout: .seconds(3)))
        #expect(fsm.handle(.launchFailed("cancelled")).actions == [.cleanup, .report(.stopped, nil)])
        #expect(fsm.phase == .stopped)
        #expect(fsm.pendingStop == nil)
        #expect(fsm.handle(.start).actions == [.report(.starting, nil), .launch])
    }

    @Test("a stop while starting does not weaken a pending forced destroy")
    func stopAfterDestroyWhileStarting() {
        var fsm = MachineFSM(policy: F.onFailure)
        _ = fsm.handle(.start)
        _ = fsm.handle(.destroy(force: true))
        #expect(fsm.handle(.stop(signal: 15, timeout: .seconds(3))).actions == [.cancelLaunch])
        #expect(fsm.pendingStop?.then == .destroy)
        #expect(fsm.handle(.launchFailed("cancelled")).actions == [.cleanup, .report(.destroyed, .destroyed), .forget])
    }

    @Test("an update while starting cancels the old launch and launches the new version")
    func updateCancelsLaunch() {
        var fsm = MachineFSM(policy: F.onFailure)
        _ = fsm.handle(.start)
        #expect(fsm.handle(.replace(launch: true)).actions == [.cancelLaunch])
        #expect(fsm.handle(.launchFailed("cancelled")).actions == [.cleanup, .report(.starting, nil), .launch])
        #expect(fsm.phase == .starting)
        #expect(fsm.pendingStop == nil)
    }

    @Test("restart: stop with the given signal, then launch again")
    func restart() {
        var fsm = F.started()
        let restart = fsm.handle(.restart(signal: 2, timeout: .seconds(4)))
        #expect(restart.actions == [.report(.stopping, nil), .signal(2), .armStopTimer(.seconds(4))])
        #expect(fsm.stop?.then == .launch)
        let exited = fsm.handle(.exited(F.exit(signal: 2)))
        #expect(exited.actions == [
            .cleanup, F.exitReport(.stopped, code: 130, signal: 2, requestedStop: true, restarting: true, restartCount: 0),
            .report(.starting, nil), .launch,
        ])
        #expect(fsm.phase == .starting)
        _ = fsm.handle(.launched)
        #expect(fsm.phase == .started)
    }

    @Test("a stop during a restart cancels the relaunch")
    func stopDuringRestart() {
        var fsm = F.started()
        _ = fsm.handle(.restart(signal: 15, timeout: .seconds(10)))
        #expect(fsm.handle(.stop(signal: 15, timeout: .seconds(10))).actions.isEmpty)
        #expect(fsm.stop?.then == .stay)
        #expect(fsm.handle(.exited(F.exit())).actions == [.cleanup, F.exitReport(.stopped, requestedStop: true, restarting: false, restartCount: 0)])
        #expect(fsm.phase == .stopped)
    }

    @Test("replace(launch: true) while started stops with SIGINT/5s, then launches the new spec")
    func replaceStarted() {
        var fsm = F.started()
        #expect(fsm.handle(.replace(launch: true)).actions == [.report(.stopping, nil), .signal(2), .armStopTimer(.seconds(5))])
        let exited = fsm.handle(.exited(F.exit()))
        #expect(exited.actions == [.cleanup, F.exitReport(.stopped, requestedStop: true, restarting: true, restartCount: 0), .report(.starting, nil), .launch])
        #expect(fsm.phase == .starting)
    }

    @Test("replace(launch: false) while started stops and stays stopped")
    func replaceStartedSkipLaunch() {
        var fsm = F.started()
        _ = fsm.handle(.replace(launch: false))
        #expect(fsm.handle(.exited(F.exit())).actions == [.cleanup, F.exitReport(.stopped, requestedStop: true, restarting: false, restartCount: 0)])
        #expect(fsm.phase == .stopped)
    }

    @Test("replace while stopping turns the stop into a relaunch")
    func replaceWhileStopping() {
        var fsm = F.stopping()
        #expect(fsm.handle(.replace(launch: true)).actions.isEmpty)
        #expect(fsm.stop?.then == .launch)
        _ = fsm.handle(.exited(F.exit()))
        #expect(fsm.phase == .starting)
    }

    @Test("replace while starting stops the old instance once launched, then launches the new one")
    func replaceWhileStarting() {
        var fsm = MachineFSM(policy: F.onFailure)
        _ = fsm.handle(.start)
        _ = fsm.handle(.replace(launch: true))
        #expect(fsm.handle(.launched).actions == [.report(.started, .started), .report(.stopping, nil), .signal(2), .armStopTimer(.seconds(5))])
        _ = fsm.handle(.exited(F.exit()))
        #expect(fsm.phase == .starting)
    }

    @Test("signal is delivered to a started or stopping machine")
    func signals() {
        var fsm = F.started()
        #expect(fsm.handle(.signal(1)) == MachineFSM.Outcome(actions: [.signal(1)], rejection: nil))
        #expect(fsm.phase == .started)
        _ = fsm.handle(.stop(signal: 15, timeout: .seconds(10)))
        #expect(fsm.handle(.signal(9)).actions == [.signal(9)])
        var stopped = MachineFSM(policy: F.onFailure, phase: .stopped)
        let refused = stopped.handle(.signal(9))
        #expect(refused.actions.isEmpty)
        #expect(refused.rejection?.contains("stopped") == true)
    }

    @Test("destroy without force is refused while started; with force: SIGKILL, destroyed, forgotten")
    func destroyStarted() {
        var fsm = F.started()
        let refused = fsm.handle(.destroy(force: false))
        #expect(refused.actions.isEmpty)
        #expect(refused.rejection?.contains("force") == true)
        #expect(fsm.phase == .started)
        #expect(fsm.handle(.destroy(force: true)).actions == [.report(.stopping, nil), .signal(9), .armStopTimer(.seconds(10))])
        let exited = fsm.handle(.exited(F.exit(signal: 9)))
        #expect(exited.actions == [
            .cleanup, F.exitReport(.stopped, code: 137, signal: 9, requestedStop: true, restarting: false, restartCount: 0),
            .report(.destroyed, .destroyed), .forget,
        ])
        #expect(fsm.phase == .destroyed)
        #expect(fsm.handle(.start).rejection == "machine is destroyed")
    }

    @Test("forced destroy while stopping escalates to SIGKILL and destroys on exit")
    func destroyWhileStopping() {
        var fsm = F.stopping()
        #expect(fsm.handle(.destroy(force: false)).rejection != nil)
        #expect(fsm.stop?.then == .stay)
        #expect(fsm.handle(.destroy(force: true)).actions == [.signal(9)])
        #expect(fsm.stop?.then == .destroy)
        // A replace can no longer cancel the destruction.
        _ = fsm.handle(.replace(launch: true))
        #expect(fsm.stop?.then == .destroy)
        let exited = fsm.handle(.exited(F.exit(signal: 9)))
        #expect(exited.actions.last == .forget)
        #expect(exited.actions.contains(.report(.destroyed, .destroyed)))
        #expect(fsm.phase == .destroyed)
    }

    @Test("forced destroy while starting: destroyed after launch, or right away when the launch fails")
    func destroyWhileStarting() {
        var launching = MachineFSM(policy: F.onFailure)
        _ = launching.handle(.start)
        #expect(launching.handle(.destroy(force: true)).actions == [.cancelLaunch])
        #expect(launching.handle(.launched).actions == [.report(.started, .started), .report(.stopping, nil), .signal(9), .armStopTimer(.seconds(10))])
        _ = launching.handle(.exited(F.exit(signal: 9)))
        #expect(launching.phase == .destroyed)

        var failing = MachineFSM(policy: F.onFailure)
        _ = failing.handle(.start)
        _ = failing.handle(.destroy(force: true))
        #expect(failing.handle(.launchFailed("boom")).actions == [.cleanup, .report(.destroyed, .destroyed), .forget])
        #expect(failing.phase == .destroyed)
    }

    @Test("exit events: 128+signal exit code, flags, error and RFC3339 time")
    func exitEventFields() {
        let killed = MachineFSM.exitEvent(F.exit(signal: 9), requestedStop: true, restarting: false)
        #expect(killed.exitCode == 137)
        #expect(killed.guestExitCode == 137)
        #expect(killed.signal == 9)
        #expect(killed.guestSignal == 9)
        #expect(killed.requestedStop)
        #expect(!killed.restarting)
        #expect(killed.exitedAt == F.exitedAtText)
        let crashed = MachineFSM.exitEvent(F.exit(code: 3, oom: true, error: "oops"), requestedStop: false, restarting: true)
        #expect(crashed.exitCode == 3)
        #expect(crashed.signal == 0)
        #expect(crashed.oomKilled)
        #expect(crashed.restarting)
        #expect(crashed.error == "oops")
    }

    @Test("the FSM survives an encode/decode round trip mid-stop (the agent persists it)")
    func codableMidStop() throws {
        var fsm = F.started(F.policy(.always, maxRetries: 4, autoDestroy: true))
        _ = fsm.handle(.restart(signal: 15, timeout: .milliseconds(1500)))
        let data = try JSONEncoder().encode(fsm)
        var decoded = try JSONDecoder().decode(MachineFSM.self, from: data)
        #expect(decoded == fsm)
        #expect(decoded.stop == MachineFSM.StopIntent(signal: 15, timeout: .milliseconds(1500), then: .launch))
        _ = decoded.handle(.exited(F.exit()))
        #expect(decoded.phase == .starting)
    }
}

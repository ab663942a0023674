import Foundation
import Testing
import TarmacModel
@testable import TarmacAgent

/// One input applied to a machine in one phase: the actions that must come out and the
/// phase it must end in (or the refusal that must leave it unchanged).
struct Transition: Sendable, CustomTestStringConvertible {
    var from: Phase
    var input: MachineFSM.Input
    var actions: [Action]
    var to: Phase
    var refused = false

    var testDescription: String { "\(from) + \(input)" }

    static func accept(_ from: Phase, _ input: MachineFSM.Input, _ actions: [Action], _ to: Phase) -> Transition {
        Transition(from: from, input: input, actions: actions, to: to)
    }

    static func refuse(_ from: Phase, _ input: MachineFSM.Input) -> Transition {
        Transition(from: from, input: input, actions: [], to: from, refused: true)
    }

    /// A no-op: accepted, nothing happens (late timers and callbacks, idempotent commands).
    static func ignore(_ from: Phase, _ input: MachineFSM.Input) -> Transition {
        Transition(from: from, input: input, actions: [], to: from)
    }
}

@Suite("MachineFSM transition table")
struct MachineFSMTableTests {
    static let launch: [Action] = [.report(.starting, nil), .launch]
    static let destroyNow: [Action] = [.report(.destroyed, .destroyed), .forget]
    static let term10 = MachineFSM.Input.stop(signal: 15, timeout: .seconds(10))
    static let stopActions: [Action] = [.report(.stopping, nil), .signal(15), .armStopTimer(.seconds(10))]
    static let replaceStopActions: [Action] = [.report(.stopping, nil), .signal(2), .armStopTimer(.seconds(5))]
    static let killActions: [Action] = [.report(.stopping, nil), .signal(9), .armStopTimer(.seconds(10))]

    /// Phases a machine can be constructed in directly (`stopping` needs a stop intent, see the scenario tests).
    static let table: [Transition] = [
        // start
        .accept(.created, .start, launch, .starting),
        .accept(.stopped, .start, launch, .starting),
        .accept(.failed, .start, launch, .starting),
        .accept(.restarting, .start, launch, .starting),
        .refuse(.starting, .start),
        .refuse(.started, .start),
        // runtime callbacks while starting
        .accept(.starting, .launched, [.report(.started, .started)], .started),
        .accept(.starting, .launchFailed("no such file"), [.cleanup, .report(.failed, .launchFailed("no such file"))], .failed),
        // stop
        .accept(.started, term10, stopActions, .stopping),
        .accept(.starting, term10, [.cancelLaunch], .starting),
        .accept(.restarting, term10, [.report(.stopped, nil)], .stopped),
        .ignore(.created, term10),
        .ignore(.stopped, term10),
        .ignore(.failed, term10),
        // restart
        .accept(.started, .restart(signal: 15, timeout: .seconds(10)), stopActions, .stopping),
        .accept(.stopped, .restart(signal: 15, timeout: .seconds(10)), launch, .starting),
        .accept(.created, .restart(signal: 15, timeout: .seconds(10)), launch, .starting),
        .accept(.failed, .restart(signal: 15, timeout: .seconds(10)), launch, .starting),
        .accept(.restarting, .restart(signal: 15, timeout: .seconds(10)), launch, .starting),
        .refuse(.starting, .restart(signal: 15, timeout: .seconds(10))),
        // signal: only a running process can be signalled
        .accept(.started, .signal(10), [.signal(10)], .started),
        .refuse(.created, .signal(10)),
        .refuse(.starting, .signal(10)),
        .refuse(.stopped, .signal(10)),
        .refuse(.failed, .signal(10)),
        .refuse(.restarting, .signal(10)),
        // destroy
        .accept(.created, .destroy(force: false), destroyNow, .destroyed),
        .accept(.stopped, .destroy(force: false), destroyNow, .destroyed),
        .accept(.failed, .destroy(force: false), destroyNow, .destroyed),
        .accept(.restarting, .destroy(force: false), destroyNow, .destroyed),
        .accept(.stopped, .destroy(force: true), destroyNow, .destroyed),
        .refuse(.started, .destroy(force: false)),
        .accept(.started, .destroy(force: true), killActions, .stopping),
        .refuse(.starting, .destroy(force: false)),
        .accept(.starting, .destroy(force: true), [.cancelLaunch], .starting),
        // replace (update)
        .accept(.created, .replace(launch: false), [.report(.created, nil)], .created),
        .accept(.created, .replace(launch: true), launch, .starting),
        .accept(.stopped, .replace(launch: false), [.report(.stopped, nil)], .stopped),
        .accept(.stopped, .replace(launch: true), launch, .starting),
        .accept(.restarting, .replace(launch: false), [.report(.stopped, nil)], .stopped),
        .accept(.restarting, .replace(launch: true), launch, .starting),
        .accept(.failed, .replace(launch: true), launch, .starting),
        // A failed machine given a new spec without launching is reported stopped, so its
        // phase must be stopped too (the reported state and the FSM must agree).
        .accept(.failed, .replace(launch: false), [.report(.stopped, nil)], .stopped),
        .accept(.started, .replace(launch: true), replaceStopActions, .stopping),
        .accept(.started, .replace(launch: false), replaceStopActions, .stopping),
        .accept(.starting, .replace(launch: true), [.cancelLaunch], .starting),
        // timers
        .accept(.restarting, .restartDelayElapsed, launch, .starting),
        // late timers and callbacks change nothing
        .ignore(.started, .stopTimeout),
        .ignore(.stopped, .stopTimeout),
        .ignore(.created, .stopTimeout),
        .ignore(.restarting, .stopTimeout),
        .ignore(.started, .restartDelayElapsed),
        .ignore(.stopped, .restartDelayElapsed),
        .ignore(.starting, .restartDelayElapsed),
        .ignore(.started, .launched),
        .ignore(.stopped, .launched),
        .ignore(.stopped, .launchFailed("late")),
        .ignore(.started, .launchFailed("late")),
        .ignore(.stopped, .exited(FSMFixtures.exit(code: 1))),
        .ignore(.created, .exited(FSMFixtures.exit(code: 1))),
        .ignore(.failed, .exited(FSMFixtures.exit(code: 1))),
        .ignore(.restarting, .exited(FSMFixtures.exit(code: 1))),
    ]

    @Test("transition", arguments: table)
    func transition(_ row: Transition) {
        var fsm = MachineFSM(policy: FSMFixtures.onFailure, phase: row.from)
        let outcome = fsm.handle(row.input)
        #expect(outcome.actions == row.actions)
        #expect(fsm.phase == row.to)
        if row.refused {
            #expect(outcome.rejection != nil)
        } else {
            #expect(outcome.rejection == nil)
        }
    }

    static let everyInput: [MachineFSM.Input] = [
        .start, term10, .restart(signal: 15, timeout: .seconds(1)), .signal(9), .destroy(force: false), .destroy(force: true),
        .replace(launch: true), .replace(launch: false), .launched, .launchFailed("x"), .exited(FSMFixtures.exit()),
        .stopTimeout, .restartDelayElapsed,
    ]

    @Test("a destroyed machine refuses everything", arguments: everyInput)
    func destroyedRefuses(input: MachineFSM.Input) {
        var fsm = MachineFSM(policy: FSMFixtures.onFailure, phase: .destroyed)
        let outcome = fsm.handle(input)
        #expect(outcome.actions.isEmpty)
        #expect(outcome.rejection == "machine is destroyed")
        #expect(fsm.phase == .destroyed)
    }

    @Test("restart delays: 250 ms doubling, capped at 15 s", arguments: [
        (0, .milliseconds(250)), (1, .milliseconds(250)), (2, .milliseconds(500)), (3, .seconds(1)), (4, .seconds(2)),
        (5, .seconds(4)), (6, .seconds(8)), (7, .seconds(15)), (8, .seconds(15)), (100, .seconds(15)),
    ] as [(Int, Duration)])
    func restartDelay(attempt: Int, delay: Duration) {
        #expect(MachineFSM.restartDelay(forAttempt: attempt) == delay)
    }
}

import Foundation
import TarmacModel
import TarmacRuntime

/// Suspend and resume.
///
/// `started --suspend--> suspending --suspended(snapshot)--> suspended`: the driver saves the
/// machine's memory and device state and its process ends; that exit is expected and never
/// counts as a crash. Then the instance's runtime resources are cleaned up as after any exit
/// (the driver keeps the snapshot's own files), and the snapshot is kept in the FSM, which is
/// persisted with the machine's record.
///
/// From `suspended`: `start` resumes from the snapshot (`starting` → `started` via the same
/// `launched`/`launchFailed` callbacks as a cold launch; a failed resume discards the
/// snapshot and leaves the machine `failed`, so the next start boots it fresh); `stop`
/// discards the snapshot and the machine is `stopped`; `restart`, `replace` (update) and
/// `destroy` discard it and continue as from `stopped`.
///
/// A failed suspend leaves the machine `started`, unless its process exited meanwhile, in
/// which case that exit is handled as a crash (restart policy applies).
extension MachineFSM {
    mutating func handleSuspension(_ input: Input) -> Outcome {
        switch (phase, input) {
        case (.started, .suspend):
            phase = .suspending
            exitWhileSuspending = nil
            return .accept([.report(.suspending, nil), .suspend])
        case (.suspending, .suspend), (.suspended, .suspend):
            return .accept([])
        case (_, .suspend):
            return .refuse("machine is \(phase.rawValue), only a started machine can be suspended")

        case (.suspending, .suspended(let saved)):
            phase = .suspended
            snapshot = saved
            exitWhileSuspending = nil
            return .accept([.cleanup, .report(.suspended, .suspended)])
        case (_, .suspended(let saved)):
            // A late snapshot nobody will resume: delete it rather than leak it.
            return .accept(saved == snapshot ? [] : [.discard(saved)])

        case (.suspending, .suspendFailed(let message)):
            phase = .started
            let report = Action.report(.started, .suspendFailed(message))
            guard let exit = exitWhileSuspending else { return .accept([report]) }
            exitWhileSuspending = nil
            var outcome = processExited(exit)
            outcome.actions.insert(report, at: 0)
            return outcome
        case (_, .suspendFailed):
            return .accept([])

        case (.suspending, .exited(let status)):
            exitWhileSuspending = status
            return .accept([])
        case (.suspending, .stopTimeout), (.suspending, .restartDelayElapsed), (.suspending, .launched), (.suspending, .launchFailed):
            return .accept([])
        case (.suspending, _):
            return .refuse("machine is suspending; try again once it is suspended")

        case (.suspended, .start):
            restartCount = 0
            guard let saved = snapshot else { return beginLaunch() }
            phase = .starting
            stop = nil
            pendingStop = nil
            return .accept([.report(.starting, nil), .resume(saved)])
        case (.suspended, .stop):
            phase = .stopped
            return .accept(dropSnapshot() + [.report(.stopped, nil)])
        case (.suspended, .restart):
            restartCount = 0
            let discard = dropSnapshot()
            var outcome = beginLaunch()
            outcome.actions = discard + outcome.actions
            return outcome
        case (.suspended, .replace(let launch, _, _)):
            restartCount = 0
            let discard = dropSnapshot()
            guard launch else {
                phase = .stopped
                return .accept(discard + [.report(.stopped, nil)])
            }
            var outcome = beginLaunch()
            outcome.actions = discard + outcome.actions
            return outcome
        case (.suspended, .destroy):
            let discard = dropSnapshot()
            var outcome = finishDestroy(cleanup: false)
            outcome.actions = discard + outcome.actions
            return outcome
        case (.suspended, .signal):
            return .refuse("machine is suspended, only a started machine can be signalled")
        case (.suspended, .launched), (.suspended, .launchFailed), (.suspended, .exited), (.suspended, .stopTimeout), (.suspended, .restartDelayElapsed):
            // Late callbacks: the suspended instance's process ending, stale timers.
            return .accept([])

        default:
            // `handle` routes only suspend inputs and the suspending/suspended phases here.
            return .accept([])
        }
    }

    /// Forgets the snapshot and returns the action deleting it (none when there is none).
    mutating func dropSnapshot() -> [Action] {
        guard let saved = snapshot else { return [] }
        snapshot = nil
        return [.discard(saved)]
    }
}

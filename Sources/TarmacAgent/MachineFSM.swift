import Foundation
import TarmacModel
import TarmacRuntime

/// The per-machine lifecycle on a host, as a pure state machine: inputs (commands from the
/// control plane, runtime callbacks, timers) go in, actions for the I/O layer come out.
/// It never performs I/O itself, so every transition is table-tested.
public struct MachineFSM: Sendable, Hashable, Codable {
    public enum Phase: String, Sendable, Hashable, Codable {
        case created, starting, started, stopping, stopped, restarting, failed, destroyed
        /// Saving memory and device state (`suspend`); `suspended` holds the snapshot.
        case suspending, suspended
    }

    /// What ends the current stop: nothing more, a fresh launch, or destruction.
    public enum AfterStop: String, Sendable, Hashable, Codable {
        case stay, launch, destroy
    }

    public struct Policy: Sendable, Hashable, Codable {
        public var restart: RestartPolicy
        public var maxRetries: Int
        public var autoDestroy: Bool

        public init(restart: RestartPolicy, maxRetries: Int, autoDestroy: Bool) {
            self.restart = restart
            self.maxRetries = maxRetries
            self.autoDestroy = autoDestroy
        }
    }

    public struct StopIntent: Sendable, Hashable, Codable {
        public var signal: Int32
        public var timeout: Duration
        public var then: AfterStop

        public init(signal: Int32, timeout: Duration, then: AfterStop) {
            self.signal = signal
            self.timeout = timeout
            self.then = then
        }
    }

    public enum Input: Sendable, Hashable {
        case start
        case stop(signal: Int32, timeout: Duration)
        case restart(signal: Int32, timeout: Duration)
        case signal(Int32)
        case destroy(force: Bool)
        /// A new spec was applied (update); `launch` says whether it should run. A running
        /// machine is stopped first with the given signal and timeout.
        case replace(launch: Bool, signal: Int32 = MachineSignal.sigint.number, timeout: Duration = MachineConfig.defaultStopTimeout.duration)
        case launched
        case launchFailed(String)
        case exited(ExitStatus)
        case stopTimeout
        case restartDelayElapsed
        /// Suspend a started machine (the agent refuses it first when the driver cannot).
        case suspend
        /// The driver saved the machine's state and the machine's process is gone.
        case suspended(SnapshotInfo)
        case suspendFailed(String)
    }

    public enum Report: Sendable, Hashable {
        case started
        case exited(ExitEvent, restartCount: Int)
        case launchFailed(String)
        case destroyed
        case suspended
        case suspendFailed(String)
    }

    public enum Action: Sendable, Hashable {
        case launch
        case signal(Int32)
        case armStopTimer(Duration)
        case armRestartTimer(Duration)
        /// Release the runtime resources of the instance that just exited.
        case cleanup
        /// Persist and publish the machine's new state, with an event when there is one.
        case report(MachineState, Report?)
        /// The machine is gone: release its address and forget it.
        case forget
        /// Ask the driver to suspend the running instance (answers `suspended`/`suspendFailed`).
        case suspend
        /// Start from a snapshot instead of a cold launch (answers `launched`/`launchFailed`).
        case resume(SnapshotInfo)
        /// Delete a snapshot that will not be resumed.
        case discard(SnapshotInfo)
        /// Cancel the launch or resume in progress (it answers `launched` or `launchFailed`).
        case cancelLaunch
    }

    public struct Outcome: Sendable, Hashable {
        public var actions: [Action]
        /// Why the input was refused (it changed nothing), for the caller.
        public var rejection: String?

        static func refuse(_ reason: String) -> Outcome { Outcome(actions: [], rejection: reason) }
        static func accept(_ actions: [Action]) -> Outcome { Outcome(actions: actions, rejection: nil) }
    }

    public internal(set) var phase: Phase
    public internal(set) var restartCount: Int
    public internal(set) var stop: StopIntent?
    /// A stop asked for while the machine was still starting, applied once it runs.
    public internal(set) var pendingStop: StopIntent?
    /// The saved state of a suspended machine (also while it is being resumed). Persisted with
    /// the machine's record, so a suspended machine stays resumable across agent restarts.
    public internal(set) var snapshot: SnapshotInfo?
    /// An exit of the machine's process seen while suspending: expected when the suspend
    /// succeeds, a crash when it fails.
    public internal(set) var exitWhileSuspending: ExitStatus?
    public var policy: Policy

    public init(policy: Policy, phase: Phase = .created) {
        self.phase = phase
        self.restartCount = 0
        self.policy = policy
    }

    public static let killSignal: Int32 = 9
    public static let killTimeout: Duration = .seconds(10)

    /// The delay before the n-th automatic restart (n ≥ 1): 250 ms doubling, at most 15 s.
    public static func restartDelay(forAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 6)
        return min(.milliseconds(250 * (1 << exponent)), .seconds(15))
    }

    public mutating func handle(_ input: Input) -> Outcome {
        switch (phase, input) {
        case (.destroyed, _):
            return .refuse("machine is destroyed")

        // Suspend and resume live in MachineFSM+Suspend.swift.
        case (.suspending, _), (.suspended, _), (_, .suspend), (_, .suspended), (_, .suspendFailed):
            return handleSuspension(input)

        // MARK: user commands
        case (.created, .start), (.stopped, .start), (.failed, .start):
            restartCount = 0
            return beginLaunch()
        case (.restarting, .start):
            restartCount = 0
            return beginLaunch()
        case (.starting, .start), (.started, .start), (.stopping, .start):
            return .refuse("machine is \(phase.rawValue), it cannot be started now")

        case (.created, .replace(let launch, _, _)), (.stopped, .replace(let launch, _, _)), (.failed, .replace(let launch, _, _)), (.restarting, .replace(let launch, _, _)):
            restartCount = 0
            if launch { return beginLaunch() }
            phase = phase == .created ? .created : .stopped
            return .accept([.report(phase == .created ? .created : .stopped, nil)])
        case (.started, .replace(let launch, let signal, let timeout)):
            restartCount = 0
            return beginStop(StopIntent(signal: signal, timeout: timeout, then: launch ? .launch : .stay))
        case (.starting, .replace(let launch, let signal, let timeout)):
            restartCount = 0
            pendingStop = StopIntent(signal: signal, timeout: timeout, then: launch ? .launch : .stay)
            return .accept([.cancelLaunch])
        case (.stopping, .replace(let launch, _, _)):
            restartCount = 0
            if var current = stop, current.then != .destroy {
                current.then = launch ? .launch : .stay
                stop = current
            }
            return .accept([])

        case (.started, .stop(let signal, let timeout)):
            return beginStop(StopIntent(signal: signal, timeout: timeout, then: .stay))
        case (.starting, .stop(let signal, let timeout)):
            // Keep a destroy that is already pending; otherwise stop once the launch ends.
            if pendingStop?.then != .destroy { pendingStop = StopIntent(signal: signal, timeout: timeout, then: .stay) }
            return .accept([.cancelLaunch])
        case (.stopping, .stop):
            if var current = stop, current.then == .launch {
                current.then = .stay
                stop = current
            }
            return .accept([])
        case (.restarting, .stop):
            phase = .stopped
            return .accept([.report(.stopped, nil)])
        case (.created, .stop), (.stopped, .stop), (.failed, .stop):
            return .accept([])

        case (.started, .restart(let signal, let timeout)):
            restartCount = 0
            return beginStop(StopIntent(signal: signal, timeout: timeout, then: .launch))
        case (.stopped, .restart), (.created, .restart), (.failed, .restart), (.restarting, .restart):
            restartCount = 0
            return beginLaunch()
        case (.starting, .restart), (.stopping, .restart):
            return .refuse("machine is \(phase.rawValue), it cannot be restarted now")

        case (.started, .signal(let signal)), (.stopping, .signal(let signal)):
            return .accept([.signal(signal)])
        case (_, .signal):
            return .refuse("machine is \(phase.rawValue), only a started machine can be signalled")

        case (.created, .destroy), (.stopped, .destroy), (.failed, .destroy), (.restarting, .destroy):
            return finishDestroy(cleanup: false)
        case (.started, .destroy(let force)):
            guard force else { return .refuse("machine is started: stop it first or destroy it with force=true") }
            return beginStop(StopIntent(signal: Self.killSignal, timeout: Self.killTimeout, then: .destroy))
        case (.starting, .destroy(let force)):
            guard force else { return .refuse("machine is starting: stop it first or destroy it with force=true") }
            pendingStop = StopIntent(signal: Self.killSignal, timeout: Self.killTimeout, then: .destroy)
            return .accept([.cancelLaunch])
        case (.stopping, .destroy(let force)):
            guard force else { return .refuse("machine is stopping: wait for it to stop or destroy it with force=true") }
            stop = StopIntent(signal: Self.killSignal, timeout: Self.killTimeout, then: .destroy)
            return .accept([.signal(Self.killSignal)])

        // MARK: runtime callbacks and timers
        case (.starting, .launched):
            phase = .started
            snapshot = nil
            var actions: [Action] = [.report(.started, .started)]
            if let pending = pendingStop {
                pendingStop = nil
                actions += beginStop(pending).actions
            }
            return .accept(actions)
        case (.starting, .launchFailed(let message)):
            // A failed resume leaves a snapshot nobody can use: delete it.
            let discard = dropSnapshot()
            let pending = pendingStop
            pendingStop = nil
            switch pending?.then {
            case .destroy:
                var outcome = finishDestroy(cleanup: true)
                outcome.actions = discard + outcome.actions
                return outcome
            case .stay:
                // A stop cancelled the launch (or came while it failed): the machine is stopped.
                phase = .stopped
                return .accept(discard + [.cleanup, .report(.stopped, nil)])
            case .launch:
                // An update cancelled the launch of the previous version: launch the new one.
                return .accept(discard + [.cleanup] + beginLaunch().actions)
            case nil:
                break
            }
            phase = .failed
            return .accept(discard + [.cleanup, .report(.failed, .launchFailed(message))])

        case (.started, .exited(let status)):
            return processExited(status)
        case (.stopping, .exited(let status)):
            return stopCompleted(status)

        case (.stopping, .stopTimeout):
            return .accept([.signal(Self.killSignal)])
        case (.restarting, .restartDelayElapsed):
            return beginLaunch()

        // Late timers and callbacks that no longer apply change nothing.
        case (_, .stopTimeout), (_, .restartDelayElapsed), (_, .launched), (_, .launchFailed), (_, .exited):
            return .accept([])
        }
    }

    mutating func beginLaunch() -> Outcome {
        phase = .starting
        stop = nil
        pendingStop = nil
        return .accept([.report(.starting, nil), .launch])
    }

    mutating func beginStop(_ intent: StopIntent) -> Outcome {
        phase = .stopping
        stop = intent
        return .accept([.report(.stopping, nil), .signal(intent.signal), .armStopTimer(intent.timeout)])
    }

    mutating func finishDestroy(cleanup: Bool) -> Outcome {
        phase = .destroyed
        stop = nil
        pendingStop = nil
        return .accept((cleanup ? [.cleanup] : []) + [.report(.destroyed, .destroyed), .forget])
    }

    mutating func processExited(_ status: ExitStatus) -> Outcome {
        let restarting = shouldRestart(after: status)
        let exitEvent = Self.exitEvent(status, requestedStop: false, restarting: restarting)
        if restarting {
            restartCount += 1
            phase = .restarting
            return .accept([
                .cleanup,
                .report(.restarting, .exited(exitEvent, restartCount: restartCount)),
                .armRestartTimer(Self.restartDelay(forAttempt: restartCount)),
            ])
        }
        if policy.autoDestroy {
            let report = Action.report(.stopped, .exited(exitEvent, restartCount: restartCount))
            var outcome = finishDestroy(cleanup: true)
            outcome.actions.insert(report, at: 1)
            return outcome
        }
        phase = .stopped
        return .accept([.cleanup, .report(.stopped, .exited(exitEvent, restartCount: restartCount))])
    }

    private mutating func stopCompleted(_ status: ExitStatus) -> Outcome {
        let then = stop?.then ?? .stay
        stop = nil
        let exitEvent = Self.exitEvent(status, requestedStop: true, restarting: then == .launch)
        let exitReport = Action.report(.stopped, .exited(exitEvent, restartCount: restartCount))
        switch then {
        case .destroy:
            var outcome = finishDestroy(cleanup: true)
            outcome.actions.insert(exitReport, at: 1)
            return outcome
        case .launch:
            let launch = beginLaunch()
            return .accept([.cleanup, exitReport] + launch.actions)
        case .stay:
            if policy.autoDestroy {
                var outcome = finishDestroy(cleanup: true)
                outcome.actions.insert(exitReport, at: 1)
                return outcome
            }
            phase = .stopped
            return .accept([.cleanup, exitReport])
        }
    }

    private func shouldRestart(after status: ExitStatus) -> Bool {
        switch policy.restart {
        case .no: false
        case .always: true
        case .onFailure: !status.isSuccess && restartCount < policy.maxRetries
        }
    }

    static func exitEvent(_ status: ExitStatus, requestedStop: Bool, restarting: Bool) -> ExitEvent {
        ExitEvent(
            exitCode: status.signal != 0 ? 128 + status.signal : status.exitCode,
            signal: status.signal, oomKilled: status.oomKilled, requestedStop: requestedStop,
            restarting: restarting, exitedAt: Timestamps.rfc3339(status.exitedAt), error: status.error)
    }
}

import Foundation
import Logging
import TarmacAgentProtocol
import TarmacModel
import TarmacRuntime
import CoreMetrics

extension MachineSupervisor {
    /// The loop's mutable state, only touched from the supervisor's loop.
    struct Loop {
        var record: AgentMachineRecord
        let supervisor: MachineSupervisor
        let environment: AgentEnvironment
        var launchGeneration = 0
        var stopGeneration = 0
        var restartGeneration = 0
        var forgotten = false
        /// False until the machine's first durable write (a new machine is recorded by its
        /// first apply, with the launch already decided, so a crash cannot lose that intent).
        var persisted: Bool
        /// Cancels the launch or resume running off the loop (stop and destroy use it).
        var launchCancel: CancelSignal?
        /// Cancels the health monitor of the running instance.
        var healthCancel: CancelSignal?
        /// Counts stops whose `pre_stop` hooks ran, so a late `.preStopDone` is dropped.
        var preStopGeneration = 0
        /// When the current stop began (for the stop duration metric).
        var stopBegan: ContinuousClock.Instant?
        /// The FSM and state as last reported durably. Quiet saves (runtime handle
        /// bookkeeping) write these, never the in-memory FSM ahead of its report, so a crash
        /// between the two resumes from the reported state.
        var durable: (fsm: MachineFSM, state: MachineState)
        /// Durable reports written so far (to tell whether an input wrote the record).
        var reports = 0

        init(record: AgentMachineRecord, supervisor: MachineSupervisor, environment: AgentEnvironment, persisted: Bool) {
            self.durable = (record.fsm, record.state)
            self.record = record
            self.supervisor = supervisor
            self.environment = environment
            self.persisted = persisted
        }

        var logger: Logger {
            var logger = environment.logger
            logger[metadataKey: "machine_id"] = .string(record.id)
            return logger
        }

        /// How processing one input ended.
        enum Processed {
            case done
            case rejected(String)
            case persistFailed(any Error)
        }

        mutating func receive(_ message: Message, group: inout DiscardingTaskGroup) async {
            switch message {
            case .apply(let spec, let launch, let reply):
                reply.resume(returning: await apply(spec, launch: launch, group: &group))
            case .command(let command, let reply):
                reply.resume(returning: await run(input(for: command), group: &group))
            case .observed(let input, let generation):
                guard generation == self.generation(for: input) else { return }
                _ = await run(input, group: &group)
            case .launchOutcome(let outcome, let generation):
                guard generation == launchGeneration else {
                    logger.warning("dropped the outcome of a superseded launch")
                    return
                }
                launchCancel = nil
                switch outcome {
                case .running(let handle):
                    record.handle = handle
                    record.checks = HealthMonitor.initialStatuses(record.spec.config.healthChecks)
                    watch(handle, group: &group)
                    // The handle is written with the `started` report, in one transaction;
                    // only when this launch reports nothing is it saved on its own.
                    let reported = reports
                    _ = await run(.launched, group: &group)
                    startHealthChecks(group: &group)
                    startPostStartHooks(group: &group)
                    if reports == reported {
                        do {
                            try await saveQuietly()
                        } catch {
                            logger.error("failed to persist the runtime handle", metadata: ["error": "\(error)"])
                        }
                    }
                case .failed(let message):
                    _ = await run(.launchFailed(message), group: &group)
                }
            case .suspendOutcome(let input):
                _ = await run(input, group: &group)
            case .health(let event, let generation):
                await health(event, generation: generation, group: &group)
            case .hook(let event, let generation):
                await recordHook(event, generation: generation)
            case .preStopDone(let round):
                await finishPreStop(round: round, group: &group)
            }
        }

        /// Applies a spec from the control plane. The same version again (a retry after a
        /// lost reply) changes nothing; a new one replaces the running instance.
        mutating func apply(_ spec: AgentMachineSpec, launch: Bool, group: inout DiscardingTaskGroup) async -> Result<AgentMachineStatus, AgentError> {
            if persisted, spec.instanceID == record.spec.instanceID { return .success(record.status) }
            let previous = record.spec
            record.spec = spec
            record.fsm.policy = AgentEnvironment.policy(for: spec.config)
            let result: Result<AgentMachineStatus, AgentError>
            if persisted {
                let (signal, timeout) = Self.stopParameters(config: spec.config, signal: nil, timeout: nil)
                result = await run(.replace(launch: launch, signal: signal, timeout: timeout), group: &group)
            } else if launch {
                result = await run(.start, group: &group)
            } else {
                result = await record(state: .created)
            }
            switch result {
            case .success:
                persisted = true
            case .failure where !persisted:
                // The machine was never recorded: it does not exist on this host.
                environment.addresses.release(record.privateIP)
                forgotten = true
            case .failure:
                record.spec = previous
                record.fsm.policy = AgentEnvironment.policy(for: previous.config)
            }
            return result
        }

        private mutating func record(state: MachineState) async -> Result<AgentMachineStatus, AgentError> {
            do {
                try await report(state, nil, forget: false)
                return .success(record.status)
            } catch {
                return .failure(Self.persistFailure(error))
            }
        }

        /// Processes one input and answers with the machine's status or why it was refused.
        mutating func run(_ input: MachineFSM.Input, group: inout DiscardingTaskGroup) async -> Result<AgentMachineStatus, AgentError> {
            switch await process(input, group: &group) {
            case .done: .success(record.status)
            case .rejected(let reason): .failure(AgentError(.invalidState, reason))
            case .persistFailed(let error): .failure(Self.persistFailure(error))
            }
        }

        static func persistFailure(_ error: any Error) -> AgentError {
            AgentError(.internalError, "the host agent could not record the change durably (\(error)); nothing was changed, try again")
        }

        func generation(for input: MachineFSM.Input) -> Int? {
            switch input {
            case .exited: launchGeneration
            case .stopTimeout: stopGeneration
            case .restartDelayElapsed: restartGeneration
            default: nil
            }
        }

        /// A command as an FSM input, with the machine's stop defaults filled in.
        func input(for command: AgentCommand) -> MachineFSM.Input {
            let config = record.spec.config
            switch command {
            case .start: return .start
            case .stop(let signal, let timeout):
                let (number, duration) = Self.stopParameters(config: config, signal: signal, timeout: timeout)
                return .stop(signal: number, timeout: duration)
            case .restart(let signal, let timeout):
                let (number, duration) = Self.stopParameters(config: config, signal: signal, timeout: timeout)
                return .restart(signal: number, timeout: duration)
            case .signal(let signal): return .signal(signal.number)
            case .destroy(let force): return .destroy(force: force)
            case .suspend: return .suspend
            }
        }

        /// The one place stop defaults are filled in: the caller's signal and timeout where
        /// given, else the machine's configured ones (a zero timeout, as fly-go sends, means
        /// "use the configured one"; an unconfigured one is `MachineConfig.defaultStopTimeout`).
        static func stopParameters(config: MachineConfig, signal: MachineSignal?, timeout: GoDuration?) -> (Int32, Duration) {
            let configured = config.stopTimeout.nanoseconds > 0 ? config.stopTimeout : MachineConfig.defaultStopTimeout
            let chosen = timeout.flatMap { $0.nanoseconds > 0 ? $0 : nil } ?? configured
            return ((signal ?? config.stopSignal).number, chosen.duration)
        }

        /// Feeds one input to the FSM and performs the resulting actions. A durable write
        /// that fails undoes the transition and is returned, never logged as success.
        mutating func process(_ input: MachineFSM.Input, group: inout DiscardingTaskGroup) async -> Processed {
            let before = (record.fsm, record.state)
            let outcome = record.fsm.handle(input)
            if let reason = outcome.rejection { return .rejected(reason) }
            let forget = outcome.actions.contains(.forget)
            // A stop of a machine with pre_stop hooks sends its signal once they ran.
            let deferSignal = deferStopForHooks(outcome.actions)
            for action in outcome.actions {
                if deferSignal {
                    switch action {
                    case .signal, .armStopTimer: continue
                    default: break
                    }
                }
                do {
                    try await perform(action, forget: forget, group: &group)
                } catch {
                    (record.fsm, record.state) = before
                    logger.error("failed to persist machine state", metadata: ["error": "\(error)"])
                    return .persistFailed(error)
                }
            }
            if deferSignal { startPreStopHooks(group: &group) }
            return .done
        }

        mutating func perform(_ action: MachineFSM.Action, forget: Bool, group: inout DiscardingTaskGroup) async throws {
            switch action {
            case .launch:
                startLaunch(group: &group)
            case .resume(let snapshot):
                startResume(from: snapshot, group: &group)
            case .suspend:
                startSuspend(group: &group)
            case .cancelLaunch:
                launchCancel?.cancel()
            case .signal(let signal):
                guard let handle = record.handle else { return }
                do {
                    try await environment.driver.signal(handle, signal)
                } catch {
                    logger.debug("signal not delivered", metadata: ["error": "\(error)"])
                }
            case .armStopTimer(let timeout):
                armStopTimer(timeout, group: &group)
            case .armRestartTimer(let delay):
                armRestartTimer(delay, group: &group)
            case .cleanup:
                await cleanupRuntime()
            case .report(let state, let report):
                try await self.report(state, report.map { environment.event(for: $0) }, forget: forget && state == .destroyed)
            case .forget:
                environment.addresses.release(record.privateIP)
                forgotten = true
            case .discard(let snapshot):
                await environment.driver.discard(snapshot)
            }
        }

        /// Persists and publishes the machine's state (and event): the durable write every
        /// acknowledged change waits for.
        mutating func report(_ state: MachineState, _ event: MachineEvent?, forget: Bool) async throws {
            let previous = record.state
            record.state = state
            if state != .started { stopHealthChecks() }
            if state == .stopping, stopBegan == nil { stopBegan = .now }
            if state != .stopping, let began = stopBegan {
                AgentMetrics.stopDuration(runtime: environment.driver.name).recordNanoseconds((ContinuousClock.now - began).wholeNanoseconds)
                stopBegan = nil
            }
            do {
                let sequence = try await environment.store.save(record, forget: forget, event: event)
                persisted = true
                reports += 1
                durable = (record.fsm, record.state)
                await environment.feed.publish(sequence)
            } catch {
                record.state = previous
                throw error
            }
        }

        mutating func cleanupRuntime() async {
            let handle = record.handle ?? RuntimeHandle(machineID: record.id, driver: environment.driver.name, pid: 0, pidStartTime: 0, processPID: nil, details: [:])
            do {
                try await environment.driver.cleanup(handle)
            } catch {
                logger.warning("runtime cleanup failed", metadata: ["error": "\(error)"])
            }
            record.handle = nil
            guard persisted else { return }
            do {
                try await saveQuietly()
            } catch {
                logger.error("failed to persist machine state", metadata: ["error": "\(error)"])
            }
        }

        /// Writes the record's runtime bookkeeping (handle) with the last reported FSM.
        func saveQuietly() async throws {
            var snapshot = record
            (snapshot.fsm, snapshot.state) = durable
            try await environment.store.saveQuietly(snapshot)
        }

        func watch(_ handle: RuntimeHandle, group: inout DiscardingTaskGroup) {
            let generation = launchGeneration
            let driver = environment.driver
            let supervisor = self.supervisor
            let logger = self.logger
            group.addTask {
                do {
                    let status = try await driver.wait(handle)
                    supervisor.post(.observed(.exited(status), generation: generation))
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("lost track of machine process", metadata: ["error": "\(error)"])
                    let lost = ExitStatus(exitCode: 0, signal: 0, oomKilled: false, exitedAt: Date(), error: "\(error)")
                    supervisor.post(.observed(.exited(lost), generation: generation))
                }
            }
        }

        mutating func armStopTimer(_ timeout: Duration, group: inout DiscardingTaskGroup) {
            stopGeneration += 1
            arm(.stopTimeout, after: timeout, generation: stopGeneration, group: &group)
        }

        mutating func armRestartTimer(_ delay: Duration, group: inout DiscardingTaskGroup) {
            restartGeneration += 1
            arm(.restartDelayElapsed, after: delay, generation: restartGeneration, group: &group)
        }

        private func arm(_ input: MachineFSM.Input, after delay: Duration, generation: Int, group: inout DiscardingTaskGroup) {
            let supervisor = self.supervisor
            let clock = environment.clock
            group.addTask {
                guard (try? await clock.sleep(for: delay)) != nil else { return }
                supervisor.post(.observed(input, generation: generation))
            }
        }
    }
}

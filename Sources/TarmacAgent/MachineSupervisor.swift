import Foundation
import Logging
import TarmacAgentProtocol
import TarmacModel
import TarmacRuntime

/// Drives one machine's `MachineFSM`: it serialises every input for the machine through one
/// loop, performs the actions the FSM returns (runtime calls, timers, durable reports) and
/// owns the machine's background work (exit watcher, timers) as child tasks of that loop.
final class MachineSupervisor: Sendable {
    struct Message: Sendable {
        /// Either an FSM input, or a control-plane command the loop turns into one using the
        /// machine's own config (default stop signal and timeout).
        var input: MachineFSM.Input?
        var command: AgentCommand? = nil
        var spec: AgentMachineSpec?
        /// Timer and watcher inputs carry the generation they were armed in; stale ones are dropped.
        var generation: Int?
        var reply: CheckedContinuation<Result<AgentMachineStatus, AgentError>, Never>?
    }

    let id: String
    private let inputs: AsyncStream<Message>
    private let continuation: AsyncStream<Message>.Continuation
    private let environment: AgentEnvironment

    init(id: String, environment: AgentEnvironment) {
        self.id = id
        self.environment = environment
        (inputs, continuation) = AsyncStream.makeStream(of: Message.self)
    }

    /// Queues an input and waits until it has been processed and persisted.
    func send(_ input: MachineFSM.Input, spec: AgentMachineSpec? = nil) async -> Result<AgentMachineStatus, AgentError> {
        await enqueue(Message(input: input, spec: spec, generation: nil, reply: nil))
    }

    /// Queues a control-plane command and waits until it has been processed and persisted.
    func send(_ command: AgentCommand) async -> Result<AgentMachineStatus, AgentError> {
        await enqueue(Message(input: nil, command: command, spec: nil, generation: nil, reply: nil))
    }

    private func enqueue(_ message: Message) async -> Result<AgentMachineStatus, AgentError> {
        await withCheckedContinuation { reply in
            var message = message
            message.reply = reply
            let result = continuation.yield(message)
            if case .terminated = result { reply.resume(returning: .failure(AgentError(.notFound, "machine not found"))) }
        }
    }

    private func post(_ input: MachineFSM.Input, generation: Int) {
        continuation.yield(Message(input: input, spec: nil, generation: generation, reply: nil))
    }

    /// Runs until the machine is destroyed or the agent shuts down (machines keep running then).
    func run(record initial: AgentMachineRecord, adopt: Bool) async {
        var loop = Loop(record: initial, supervisor: self, environment: environment)
        await withDiscardingTaskGroup { group in
            if adopt { await loop.adopt(group: &group) }
            for await message in inputs {
                guard let input = message.input ?? message.command.map({ loop.input(for: $0) }) else {
                    message.reply?.resume(returning: .failure(AgentError(.internalError, "empty supervisor message")))
                    continue
                }
                if let generation = message.generation, generation != loop.generation(for: input) { continue }
                if let spec = message.spec { loop.apply(spec) }
                var reply = message.reply
                let rejection = await loop.process(input, reply: &reply, group: &group)
                reply?.resume(returning: rejection.map { .failure(AgentError(.invalidState, $0)) } ?? .success(loop.record.status))
                if loop.forgotten { break }
            }
            group.cancelAll()
        }
        continuation.finish()
        // Answer anyone who queued an input after the machine was forgotten.
        for await message in inputs {
            message.reply?.resume(returning: .failure(AgentError(.notFound, "machine not found")))
        }
    }

    /// The loop's mutable state, only touched from the supervisor's loop.
    struct Loop {
        var record: AgentMachineRecord
        let supervisor: MachineSupervisor
        let environment: AgentEnvironment
        var launchGeneration = 0
        var stopGeneration = 0
        var restartGeneration = 0
        var forgotten = false

        init(record: AgentMachineRecord, supervisor: MachineSupervisor, environment: AgentEnvironment) {
            self.record = record
            self.supervisor = supervisor
            self.environment = environment
        }

        var logger: Logger {
            var logger = environment.logger
            logger[metadataKey: "machine_id"] = .string(record.id)
            return logger
        }

        func generation(for input: MachineFSM.Input) -> Int? {
            switch input {
            case .exited: launchGeneration
            case .stopTimeout: stopGeneration
            case .restartDelayElapsed: restartGeneration
            default: nil
            }
        }

        /// A command with the machine's configured stop signal and timeout filled in where the
        /// caller gave none (a zero timeout, as fly-go sends, means "use the configured one").
        func input(for command: AgentCommand) -> MachineFSM.Input {
            let config = record.spec.config
            func stop(_ signal: MachineSignal?, _ timeout: GoDuration?) -> (Int32, Duration) {
                let chosen = timeout.flatMap { $0.nanoseconds > 0 ? $0 : nil } ?? config.stopTimeout
                return ((signal ?? config.stopSignal).number, chosen.duration)
            }
            switch command {
            case .start: return .start
            case .stop(let signal, let timeout):
                let (number, duration) = stop(signal, timeout)
                return .stop(signal: number, timeout: duration)
            case .restart(let signal, let timeout):
                let (number, duration) = stop(signal, timeout)
                return .restart(signal: number, timeout: duration)
            case .signal(let signal): return .signal(signal.number)
            case .destroy(let force): return .destroy(force: force)
            case .suspend: return .suspend
            }
        }

        mutating func apply(_ spec: AgentMachineSpec) {
            record.spec = spec
            record.fsm.policy = AgentEnvironment.policy(for: spec.config)
        }

        /// Feeds one input to the FSM and performs the resulting actions (and any follow-up
        /// inputs those produce). Returns the FSM's rejection, if any. The caller waiting in
        /// `reply` is answered as soon as the accepted change is durable — before a launch,
        /// resume or suspend, so a create, start or suspend returns without waiting for it.
        mutating func process(
            _ input: MachineFSM.Input, reply: inout CheckedContinuation<Result<AgentMachineStatus, AgentError>, Never>?,
            group: inout DiscardingTaskGroup
        ) async -> String? {
            var pending: [MachineFSM.Input] = [input]
            var rejection: String?
            var first = true
            while !pending.isEmpty {
                let next = pending.removeFirst()
                let outcome = record.fsm.handle(next)
                if first { rejection = outcome.rejection; first = false }
                let forget = outcome.actions.contains(.forget)
                for action in outcome.actions {
                    if action.isLongRunning, let waiting = reply {
                        waiting.resume(returning: .success(record.status))
                        reply = nil
                    }
                    if let follow = await perform(action, forget: forget, group: &group) { pending.append(follow) }
                }
            }
            return rejection
        }

        mutating func process(_ input: MachineFSM.Input, group: inout DiscardingTaskGroup) async -> String? {
            var none: CheckedContinuation<Result<AgentMachineStatus, AgentError>, Never>?
            return await process(input, reply: &none, group: &group)
        }

        mutating func perform(_ action: MachineFSM.Action, forget: Bool, group: inout DiscardingTaskGroup) async -> MachineFSM.Input? {
            switch action {
            case .launch:
                return await launch(group: &group)
            case .signal(let signal):
                guard let handle = record.handle else { return nil }
                do {
                    try await environment.driver.signal(handle, signal)
                } catch {
                    logger.debug("signal not delivered", metadata: ["error": "\(error)"])
                }
                return nil
            case .armStopTimer(let timeout):
                armStopTimer(timeout, group: &group)
                return nil
            case .armRestartTimer(let delay):
                armRestartTimer(delay, group: &group)
                return nil
            case .cleanup:
                await cleanupRuntime()
                return nil
            case .report(let state, let report):
                record.state = state
                let event = report.map { environment.event(for: $0) }
                do {
                    let sequence = try await environment.store.save(record, forget: forget && state == .destroyed, event: event)
                    await environment.feed.publish(sequence)
                } catch {
                    logger.error("failed to persist machine state", metadata: ["error": "\(error)"])
                }
                return nil
            case .forget:
                environment.addresses.release(record.privateIP)
                forgotten = true
                return nil
            case .suspend:
                return await suspend()
            case .resume(let snapshot):
                return await resume(from: snapshot, group: &group)
            case .discard(let snapshot):
                await environment.driver.discard(snapshot)
                return nil
            }
        }

        mutating func launch(group: inout DiscardingTaskGroup) async -> MachineFSM.Input {
            launchGeneration += 1
            do {
                let spec = try await environment.runtimeSpec(for: record)
                let handle = try await environment.driver.start(spec)
                record.handle = handle
                try await environment.store.saveQuietly(record)
                watch(handle, group: &group)
                return .launched
            } catch {
                logger.warning("launch failed", metadata: ["error": "\(error)"])
                return .launchFailed("\(error)")
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
            do {
                try await environment.store.saveQuietly(record)
            } catch {
                logger.error("failed to persist machine state", metadata: ["error": "\(error)"])
            }
        }

        func watch(_ handle: RuntimeHandle, group: inout DiscardingTaskGroup) {
            let generation = launchGeneration
            let driver = environment.driver
            let supervisor = self.supervisor
            let logger = self.logger
            group.addTask {
                do {
                    let status = try await driver.wait(handle)
                    supervisor.post(.exited(status), generation: generation)
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("lost track of machine process", metadata: ["error": "\(error)"])
                    supervisor.post(.exited(ExitStatus(exitCode: 0, signal: 0, oomKilled: false, exitedAt: Date(), error: "\(error)")), generation: generation)
                }
            }
        }

        mutating func armStopTimer(_ timeout: Duration, group: inout DiscardingTaskGroup) {
            stopGeneration += 1
            let generation = stopGeneration
            let supervisor = self.supervisor
            group.addTask {
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                supervisor.post(.stopTimeout, generation: generation)
            }
        }

        mutating func armRestartTimer(_ delay: Duration, group: inout DiscardingTaskGroup) {
            restartGeneration += 1
            let generation = restartGeneration
            let supervisor = self.supervisor
            group.addTask {
                guard (try? await Task.sleep(for: delay)) != nil else { return }
                supervisor.post(.restartDelayElapsed, generation: generation)
            }
        }
    }
}

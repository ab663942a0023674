import Foundation
import Logging
import TarmacAgentProtocol
import TarmacModel
import TarmacRuntime

/// Drives one machine's `MachineFSM`: it serialises every input for the machine through one
/// loop and performs the actions the FSM returns. Short actions (durable reports, signals,
/// timers) run on the loop; long ones (image pull and launch, boot, resume, suspend) run as
/// child tasks that post their outcome back as a message, so `stop` and `destroy` are
/// answered at once during a pull or a slow boot, and cancel it.
final class MachineSupervisor: Sendable {
    typealias Reply = CheckedContinuation<Result<AgentMachineStatus, AgentError>, Never>

    /// Everything the loop reacts to.
    enum Message: Sendable {
        /// A spec from the control plane (create or update), idempotent by version.
        case apply(AgentMachineSpec, launch: Bool, reply: Reply)
        /// A lifecycle command from the control plane.
        case command(AgentCommand, reply: Reply)
        /// A timer or the exit watcher firing, tagged with the generation it was armed in
        /// (stale ones are dropped).
        case observed(MachineFSM.Input, generation: Int)
        /// The outcome of a launch or resume that ran off the loop.
        case launchOutcome(LaunchOutcome, generation: Int)
        /// The outcome of a suspend that ran off the loop (`suspended` or `suspendFailed`).
        case suspendOutcome(MachineFSM.Input)
        /// What the health monitor of the given launch found.
        case health(HealthMonitor.Event, generation: Int)
        /// A lifecycle hook of the given launch ran (its `hook` event).
        case hook(MachineEvent, generation: Int)
        /// The `pre_stop` hooks of a stop are done (`round` tells which stop).
        case preStopDone(round: Int)
    }

    /// What a launch child task found.
    enum LaunchOutcome: Sendable {
        case running(RuntimeHandle)
        case failed(String)
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

    /// Queues a spec and waits until it has been processed and persisted.
    func apply(_ spec: AgentMachineSpec, launch: Bool) async -> Result<AgentMachineStatus, AgentError> {
        await withCheckedContinuation { reply in enqueue(.apply(spec, launch: launch, reply: reply), reply: reply) }
    }

    /// Queues a control-plane command and waits until it has been processed and persisted.
    func send(_ command: AgentCommand) async -> Result<AgentMachineStatus, AgentError> {
        await withCheckedContinuation { reply in enqueue(.command(command, reply: reply), reply: reply) }
    }

    private func enqueue(_ message: Message, reply: Reply) {
        if case .terminated = continuation.yield(message) { reply.resume(returning: .failure(Self.gone)) }
    }

    func post(_ message: Message) {
        continuation.yield(message)
    }

    static let gone = AgentError(.notFound, "machine not found")

    /// A supervisor whose machine could not be recorded: answers whatever was queued for it.
    func abandon() async {
        continuation.finish()
        for await message in inputs { message.reply?.resume(returning: .failure(Self.gone)) }
    }

    /// Runs until the machine is destroyed or the agent shuts down (machines keep running then).
    func run(record initial: AgentMachineRecord, adopt: Bool, persisted: Bool = true) async {
        var loop = Loop(record: initial, supervisor: self, environment: environment, persisted: persisted)
        await withDiscardingTaskGroup { group in
            if adopt { await loop.adopt(group: &group) }
            // Adoption may finish an interrupted destroy: then there is nothing to supervise.
            if !loop.forgotten {
                for await message in inputs {
                    await loop.receive(message, group: &group)
                    if loop.forgotten { break }
                }
            }
            group.cancelAll()
        }
        continuation.finish()
        // Answer anyone who queued an input after the machine was forgotten.
        for await message in inputs { message.reply?.resume(returning: .failure(Self.gone)) }
    }
}

extension MachineSupervisor.Message {
    var reply: MachineSupervisor.Reply? {
        switch self {
        case .apply(_, _, let reply), .command(_, let reply): reply
        case .observed, .launchOutcome, .suspendOutcome, .health, .hook, .preStopDone: nil
        }
    }
}

import Foundation
import Logging
import TarmacAgentProtocol
import TarmacModel
import TarmacRuntime
import CoreMetrics

extension MachineSupervisor.Loop {
    /// Resolves the image (pulling it when needed) and starts the machine in a child task;
    /// the outcome comes back as `.launchOutcome`. `stop` and `destroy` cancel it.
    mutating func startLaunch(group: inout DiscardingTaskGroup) {
        let record = self.record
        let environment = self.environment
        runLaunch(group: &group) {
            let spec = try await environment.runtimeSpec(for: record)
            try Task.checkCancellation()
            let driver = environment.driver
            guard !driver.startIsCancellable else { return try await driver.start(spec) }
            return try await Self.uncancelled { try await driver.start(spec) }
        } failure: { "\($0)" }
    }

    /// Starts the machine from its snapshot, like `startLaunch` does from its image.
    mutating func startResume(from snapshot: SnapshotInfo, group: inout DiscardingTaskGroup) {
        let record = self.record
        let environment = self.environment
        runLaunch(group: &group) {
            let spec = try await environment.runtimeSpec(for: record)
            try Task.checkCancellation()
            let driver = environment.driver
            guard !driver.startIsCancellable else { return try await driver.resume(spec, from: snapshot) }
            return try await Self.uncancelled { try await driver.resume(spec, from: snapshot) }
        } failure: { "resume from snapshot failed: \($0)" }
    }

    private mutating func runLaunch(
        group: inout DiscardingTaskGroup, _ work: @escaping @Sendable () async throws -> RuntimeHandle,
        failure describe: @escaping @Sendable (any Error) -> String
    ) {
        launchGeneration += 1
        let generation = launchGeneration
        let cancel = CancelSignal()
        launchCancel = cancel
        let supervisor = self.supervisor
        let logger = self.logger
        let runtime = environment.driver.name
        group.addTask {
            let began = ContinuousClock.now
            let outcome: MachineSupervisor.LaunchOutcome = await cancel.run {
                do {
                    return .running(try await work())
                } catch is CancellationError {
                    return .failed("the launch was cancelled by a stop or destroy")
                } catch {
                    logger.warning("launch failed", metadata: ["error": "\(error)"])
                    return .failed(describe(error))
                }
            } fallback: {
                .failed("the launch was cancelled by a stop or destroy")
            }
            let result = if case .running = outcome { "started" } else { "failed" }
            AgentMetrics.startDuration(runtime: runtime, outcome: result).recordNanoseconds((ContinuousClock.now - began).wholeNanoseconds)
            supervisor.post(.launchOutcome(outcome, generation: generation))
        }
    }

    /// Runs a driver call to its end even when the launch is cancelled. A cancel stops the
    /// pull (or the wait before the driver is called); once the driver builds an instance
    /// (TAP, overlay, container, QEMU) a cancel mid-way would leave half of it behind, since
    /// its own cleanup runs in the cancelled task. The instance it returns is reported as
    /// running and the FSM's pending stop or destroy ends it cleanly. The task is awaited
    /// here, so it is owned, not fire-and-forget.
    static func uncancelled(_ work: @escaping @Sendable () async throws -> RuntimeHandle) async throws -> RuntimeHandle {
        try await Task { try await work() }.value
    }

    /// Asks the driver to save the machine's state in a child task. The machine's process
    /// ends as part of this; the FSM treats that exit as expected once the snapshot is reported.
    mutating func startSuspend(group: inout DiscardingTaskGroup) {
        guard let handle = record.handle else {
            supervisor.post(.suspendOutcome(.suspendFailed("the machine has no running instance to suspend")))
            return
        }
        let driver = environment.driver
        let supervisor = self.supervisor
        let logger = self.logger
        let runner = HookRunner(environment: environment)
        let config = record.spec.config
        let generation = launchGeneration
        group.addTask {
            // pre_stop hooks run before a suspend too, while the machine still runs.
            await runner.run(.preStop, of: config, handle: handle) { supervisor.post(.hook($0, generation: generation)) }
            do {
                let snapshot = try await driver.suspend(handle)
                logger.info("machine suspended")
                supervisor.post(.suspendOutcome(.suspended(snapshot)))
            } catch {
                logger.warning("suspend failed", metadata: ["error": "\(error)"])
                supervisor.post(.suspendOutcome(.suspendFailed("\(error)")))
            }
        }
    }
}

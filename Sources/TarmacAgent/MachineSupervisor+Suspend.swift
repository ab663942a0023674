import Foundation
import Logging
import TarmacAgentProtocol
import TarmacModel
import TarmacRuntime

extension MachineFSM.Action {
    /// Actions the caller of a command should not wait for (boot, resume, state save).
    var isLongRunning: Bool {
        switch self {
        case .launch, .resume, .suspend: true
        default: false
        }
    }
}

extension MachineSupervisor.Loop {
    /// Asks the driver to save the machine's state. The machine's process ends as part of
    /// this; the FSM treats that exit as expected once the snapshot is reported.
    mutating func suspend() async -> MachineFSM.Input {
        guard let handle = record.handle else { return .suspendFailed("the machine has no running instance to suspend") }
        do {
            let snapshot = try await environment.driver.suspend(handle)
            logger.info("machine suspended")
            return .suspended(snapshot)
        } catch {
            logger.warning("suspend failed", metadata: ["error": "\(error)"])
            return .suspendFailed("\(error)")
        }
    }

    /// Starts the machine from its snapshot, like `launch` does from its image.
    mutating func resume(from snapshot: SnapshotInfo, group: inout DiscardingTaskGroup) async -> MachineFSM.Input {
        launchGeneration += 1
        do {
            let spec = try await environment.runtimeSpec(for: record)
            let handle = try await environment.driver.resume(spec, from: snapshot)
            record.handle = handle
            try await environment.store.saveQuietly(record)
            watch(handle, group: &group)
            logger.info("machine resumed")
            return .launched
        } catch {
            logger.warning("resume failed", metadata: ["error": "\(error)"])
            return .launchFailed("resume from snapshot failed: \(error)")
        }
    }

    /// The previous agent stopped in the middle of a suspend. If the machine still runs, the
    /// suspend is abandoned and it stays started; if it is gone, that is handled as an exit
    /// (a partial snapshot may be left on disk).
    mutating func adoptSuspending(group: inout DiscardingTaskGroup) async {
        let reason = "the agent restarted while the machine was suspending"
        guard let handle = record.handle else {
            _ = await process(.exited(Self.vanished()), group: &group)
            _ = await process(.suspendFailed(reason), group: &group)
            return
        }
        switch await environment.driver.status(handle) {
        case .running:
            watch(handle, group: &group)
            _ = await process(.suspendFailed(reason), group: &group)
        case .exited(let status):
            _ = await process(.exited(status), group: &group)
            _ = await process(.suspendFailed(reason), group: &group)
        case .gone:
            _ = await process(.exited(Self.vanished()), group: &group)
            _ = await process(.suspendFailed(reason), group: &group)
        }
    }
}

import Foundation
import Logging
import TarmacAgentProtocol
import TarmacModel
import TarmacRuntime

extension MachineSupervisor.Loop {
    /// Re-attaches to whatever the machine was doing when the previous agent stopped.
    mutating func adopt(group: inout DiscardingTaskGroup) async {
        switch record.fsm.phase {
        case .started, .stopping:
            guard let handle = record.handle else {
                _ = await process(.exited(Self.vanished()), group: &group)
                return
            }
            switch await environment.driver.status(handle) {
            case .running:
                logger.info("re-adopted running machine")
                watch(handle, group: &group)
                if record.fsm.phase == .stopping, let stop = record.fsm.stop {
                    armStopTimer(stop.timeout, group: &group)
                } else {
                    startHealthChecks(group: &group)
                }
            case .exited(let status):
                _ = await process(.exited(status), group: &group)
            case .gone:
                _ = await process(.exited(Self.vanished()), group: &group)
            }
        case .starting:
            // The previous agent died mid-launch: clear any partial runtime state and launch
            // (or resume) again.
            await cleanupRuntime()
            if let snapshot = record.fsm.snapshot {
                startResume(from: snapshot, group: &group)
            } else {
                startLaunch(group: &group)
            }
        case .restarting:
            armRestartTimer(.milliseconds(100), group: &group)
        case .suspending:
            await adoptSuspending(group: &group)
        case .destroyed:
            // An earlier agent died inside a destroy (after its FSM changed, before the record
            // was removed): finish it.
            await cleanupRuntime()
            do {
                try await report(.destroyed, environment.event(for: .destroyed), forget: true)
                environment.addresses.release(record.privateIP)
                forgotten = true
            } catch {
                logger.error("could not finish an interrupted destroy", metadata: ["error": "\(error)"])
            }
        case .created, .stopped, .failed, .suspended:
            // A suspended machine stays suspended: its snapshot is in the record.
            break
        }
    }

    static func vanished() -> ExitStatus {
        ExitStatus(exitCode: 0, signal: 0, oomKilled: false, exitedAt: Date(), error: "the machine's process disappeared while the agent was not running")
    }
}

import Foundation
import TarmacModel
import TarmacRuntime
@testable import TarmacAgent

/// `ExitStatus` alone is ambiguous with `Testing.ExitStatus`.
typealias RuntimeExit = TarmacRuntime.ExitStatus
typealias Phase = MachineFSM.Phase
typealias Action = MachineFSM.Action

enum FSMFixtures {
    static let exitedAt = Date(timeIntervalSince1970: 1_700_000_000)
    static let exitedAtText = "2023-11-14T22:13:20Z"

    static let onFailure = MachineFSM.Policy(restart: .onFailure, maxRetries: 10, autoDestroy: false)

    static func policy(_ restart: RestartPolicy, maxRetries: Int = 10, autoDestroy: Bool = false) -> MachineFSM.Policy {
        MachineFSM.Policy(restart: restart, maxRetries: maxRetries, autoDestroy: autoDestroy)
    }

    static func exit(code: Int = 0, signal: Int = 0, oom: Bool = false, error: String? = nil) -> RuntimeExit {
        RuntimeExit(exitCode: code, signal: signal, oomKilled: oom, exitedAt: exitedAt, error: error)
    }

    /// The `report` action an exit produces.
    static func exitReport(
        _ state: MachineState, code: Int = 0, signal: Int = 0, oom: Bool = false,
        requestedStop: Bool, restarting: Bool, restartCount: Int
    ) -> Action {
        let event = ExitEvent(exitCode: code, signal: signal, oomKilled: oom, requestedStop: requestedStop, restarting: restarting, exitedAt: exitedAtText)
        return .report(state, .exited(event, restartCount: restartCount))
    }

    /// A machine that is running (created → start → launched).
    static func started(_ policy: MachineFSM.Policy = onFailure) -> MachineFSM {
        var fsm = MachineFSM(policy: policy)
        _ = fsm.handle(.start)
        _ = fsm.handle(.launched)
        return fsm
    }

    /// A machine in the middle of a plain stop (SIGTERM, 10 s).
    static func stopping(_ policy: MachineFSM.Policy = onFailure) -> MachineFSM {
        var fsm = started(policy)
        _ = fsm.handle(.stop(signal: 15, timeout: .seconds(10)))
        return fsm
    }
}

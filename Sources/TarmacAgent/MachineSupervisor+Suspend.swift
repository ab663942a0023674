import Foundation
import Logging
import TarmacAgentProtocol
import TarmacModel
import TarmacRuntime

extension MachineSupervisor.Loop {
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

import Foundation
import Logging
import TarmacAgentProtocol
import TarmacModel
import TarmacRuntime

extension MachineSupervisor.Loop {
    /// Runs the `post_start` hooks of the instance that just started, off the loop; each
    /// result comes back as a `.hook` event.
    mutating func startPostStartHooks(group: inout DiscardingTaskGroup) {
        guard record.state == .started, let handle = record.handle, !(record.spec.config.hooks?.postStart ?? []).isEmpty else { return }
        let runner = HookRunner(environment: environment)
        let config = record.spec.config
        let supervisor = self.supervisor
        let generation = launchGeneration
        group.addTask {
            await runner.run(.postStart, of: config, handle: handle) { supervisor.post(.hook($0, generation: generation)) }
        }
    }

    /// Whether a stop the FSM just began should first run the `pre_stop` hooks: the machine
    /// runs, has such hooks, and is not being killed outright (a forced destroy).
    func deferStopForHooks(_ actions: [MachineFSM.Action]) -> Bool {
        guard record.fsm.phase == .stopping, record.handle != nil, !(record.spec.config.hooks?.preStop ?? []).isEmpty,
              let stop = record.fsm.stop, stop.signal != MachineFSM.killSignal else { return false }
        return actions.contains { if case .armStopTimer = $0 { true } else { false } }
    }

    /// Runs the `pre_stop` hooks off the loop; `.preStopDone` then sends the stop signal and
    /// arms the stop timer (unless the stop was overtaken meanwhile).
    mutating func startPreStopHooks(group: inout DiscardingTaskGroup) {
        guard let handle = record.handle else { return }
        preStopGeneration += 1
        let runner = HookRunner(environment: environment)
        let config = record.spec.config
        let supervisor = self.supervisor
        let generation = launchGeneration
        let stopRound = preStopGeneration
        group.addTask {
            await runner.run(.preStop, of: config, handle: handle) { supervisor.post(.hook($0, generation: generation)) }
            supervisor.post(.preStopDone(round: stopRound))
        }
    }

    /// The hooks before a stop are done: the stop goes on as the FSM asked.
    mutating func finishPreStop(round: Int, group: inout DiscardingTaskGroup) async {
        guard round == preStopGeneration, record.fsm.phase == .stopping, let stop = record.fsm.stop else { return }
        do {
            try await perform(.signal(stop.signal), forget: false, group: &group)
            try await perform(.armStopTimer(stop.timeout), forget: false, group: &group)
        } catch {
            logger.error("could not continue the stop after its pre_stop hooks", metadata: ["error": "\(error)"])
        }
    }

    /// Records a hook's result as an event of the instance it ran in.
    mutating func recordHook(_ event: MachineEvent, generation: Int) async {
        guard generation == launchGeneration, !forgotten else { return }
        if event.status != "ok" { logger.notice("lifecycle hook did not succeed", metadata: ["status": "\(event.status)"]) }
        do {
            try await report(record.state, event, forget: false)
        } catch {
            logger.error("failed to record a hook result", metadata: ["error": "\(error)"])
        }
    }
}

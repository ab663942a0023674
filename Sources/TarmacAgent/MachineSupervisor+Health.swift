import Foundation
import Logging
import TarmacAgentProtocol
import TarmacModel

extension MachineSupervisor.Loop {
    /// Starts probing the machine's health checks (none configured: nothing to do). The
    /// monitor runs off the loop and posts `.health`; it is cancelled when the machine
    /// leaves `started` (see `stopHealthChecks`) and its posts are tagged with the launch
    /// generation, so nothing from an earlier instance is applied to a later one.
    mutating func startHealthChecks(group: inout DiscardingTaskGroup) {
        healthCancel?.cancel()
        healthCancel = nil
        let checks = record.spec.config.healthChecks
        guard !checks.isEmpty, record.state == .started else { return }
        if record.checks?.count != checks.count { record.checks = HealthMonitor.initialStatuses(checks) }
        let cancel = CancelSignal()
        healthCancel = cancel
        let monitor = HealthMonitor(checks: checks, address: record.privateIP, prober: environment.prober, clock: environment.clock)
        let supervisor = self.supervisor
        let generation = launchGeneration
        group.addTask {
            await cancel.run {
                await monitor.run { supervisor.post(.health($0, generation: generation)) }
            } fallback: {}
        }
    }

    /// Stops the probes of an instance that is no longer running; its checks go back to
    /// `warning` (nothing is known about a machine that does not run).
    mutating func stopHealthChecks() {
        guard let cancel = healthCancel else { return }
        cancel.cancel()
        healthCancel = nil
        record.checks = HealthMonitor.initialStatuses(record.spec.config.healthChecks, output: "the machine is not running")
    }

    /// Applies what the monitor found: a state change is recorded (with a `check` event);
    /// a check failing for its `restart_after` restarts the machine (a `restart` event with
    /// status `unhealthy` names the check and its last output).
    mutating func health(_ event: HealthMonitor.Event, generation: Int, group: inout DiscardingTaskGroup) async {
        guard generation == launchGeneration, healthCancel != nil, record.state == .started else { return }
        switch event {
        case .changed(let index, let status, let state):
            guard var checks = record.checks, checks.indices.contains(index) else { return }
            checks[index] = status
            record.checks = checks
            let detail: JSONValue = .object(["check": .string(status.name), "output": .string(status.output)])
            do {
                try await report(record.state, environment.machineEvent(type: "check", status: state.rawValue, request: detail), forget: false)
            } catch {
                logger.error("failed to record a health check change", metadata: ["check": "\(status.name)", "error": "\(error)"])
            }
        case .unhealthy(let check, let output):
            logger.notice("restarting an unhealthy machine", metadata: ["check": "\(check)", "output": "\(output)"])
            let detail: JSONValue = .object(["check": .string(check), "output": .string(output), "reason": .string("health check \(check) failed for its restart_after")])
            do {
                try await report(record.state, environment.machineEvent(type: "restart", status: "unhealthy", request: detail), forget: false)
            } catch {
                logger.error("failed to record an unhealthy restart", metadata: ["error": "\(error)"])
                return
            }
            let (signal, timeout) = Self.stopParameters(config: record.spec.config, signal: nil, timeout: nil)
            _ = await run(.restart(signal: signal, timeout: timeout), group: &group)
        }
    }
}

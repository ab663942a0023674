import Foundation
import TarmacModel
import CoreMetrics

/// Probes a started machine's health checks until cancelled, each check on its own
/// schedule, and tells its supervisor what changed. Runs as a child task of the
/// supervisor's group, off the loop; it only reads, the loop does every write.
struct HealthMonitor: Sendable {
    /// What the monitor reports to the supervisor.
    enum Event: Sendable, Hashable {
        /// A check's state changed (or it produced its first result).
        case changed(index: Int, status: Machine.CheckStatus, state: CheckState)
        /// A check has failed for its `restart_after`: the machine should restart.
        case unhealthy(check: String, output: String)
    }

    let checks: [HealthCheck]
    let address: String
    let prober: any HealthProber
    let clock: any Clock<Duration>

    /// The statuses a machine shows before any probe ran.
    static func initialStatuses(_ checks: [HealthCheck], output: String = "waiting for the first check") -> [Machine.CheckStatus]? {
        guard !checks.isEmpty else { return nil }
        let now = Timestamps.rfc3339(Date())
        return checks.map { Machine.CheckStatus(name: $0.name, status: CheckState.warning.rawValue, output: output, updatedAt: now) }
    }

    func run(report: @escaping @Sendable (Event) -> Void) async {
        let start = ContinuousClock.now
        await withDiscardingTaskGroup { group in
            for (index, check) in checks.enumerated() {
                group.addTask { await self.probe(check, index: index, start: start, report: report) }
            }
        }
    }

    /// Probes one check until cancelled. Time since the start is measured on the
    /// continuous clock; waits between probes sleep on `clock`.
    private func probe(_ check: HealthCheck, index: Int, start: ContinuousClock.Instant, report: @Sendable (Event) -> Void) async {
        var tracker = CheckTracker(check: check)
        while !Task.isCancelled {
            let result = await prober.probe(check, address: address)
            if Task.isCancelled { return }
            AgentMetrics.healthProbe(type: check.type.rawValue, passed: result.passed).increment()
            let change = tracker.record(passed: result.passed, output: result.output, at: ContinuousClock.now - start)
            if change.stateChanged {
                let status = Machine.CheckStatus(name: check.name, status: tracker.state.rawValue, output: result.output, updatedAt: Timestamps.rfc3339(Date()))
                AgentMetrics.healthTransition(to: tracker.state).increment()
                report(.changed(index: index, status: status, state: tracker.state))
            }
            if change.restart { report(.unhealthy(check: check.name, output: result.output)) }
            guard (try? await clock.sleep(for: tracker.delay(at: ContinuousClock.now - start))) != nil else { return }
        }
    }
}

import Prometheus
import TarmacAgent
import TarmacMetrics
import TarmacModel

/// What `tarmac dev` serves at `/metrics`: the process's swift-metrics (API requests by
/// route, machine start/stop durations, health checks, webhook deliveries), the machines
/// by state with their CPU and memory, and the machines' own metrics (`config.metrics`)
/// re-exported with machine labels.
struct MetricsExport: Sendable {
    let registry: PrometheusCollectorRegistry
    let agent: Agent

    static let states = ["created", "starting", "started", "stopping", "stopped", "restarting", "suspending", "suspended", "failed"]

    func render() async -> String {
        async let machines = agent.machineSamples()
        async let scraped = agent.scrapeMachineMetrics()
        return registry.emitToString() + MachineSample.render(await machines, states: Self.states) + (await scraped)
    }
}

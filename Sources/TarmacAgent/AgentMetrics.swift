import CoreMetrics
import TarmacModel

/// The agent's swift-metrics instruments (exported by whatever backend the process
/// bootstrapped; Prometheus in `tarmac dev`).
enum AgentMetrics {
    /// Time from the decision to launch (or resume) to the runtime reporting it running or failed.
    static func startDuration(runtime: String, outcome: String) -> Timer {
        Timer(label: "tarmac_machine_start_duration_seconds", dimensions: [("runtime", runtime), ("outcome", outcome)])
    }

    /// Time from a stop's beginning (signal, or pre_stop hooks) to the machine's exit.
    static func stopDuration(runtime: String) -> Timer {
        Timer(label: "tarmac_machine_stop_duration_seconds", dimensions: [("runtime", runtime)])
    }

    static func healthProbe(type: String, passed: Bool) -> Counter {
        Counter(label: "tarmac_health_check_probes_total", dimensions: [("type", type), ("result", passed ? "pass" : "fail")])
    }

    static func healthTransition(to state: CheckState) -> Counter {
        Counter(label: "tarmac_health_check_transitions_total", dimensions: [("status", state.rawValue)])
    }

    static let scrapeFailures = Counter(label: "tarmac_machine_metrics_scrape_failures_total")
}

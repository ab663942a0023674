import CoreMetrics
import Prometheus

/// The process's metrics: swift-metrics backed by a Prometheus registry, names and labels
/// made valid for the Prometheus text format (`hb.requests` → `hb_requests`).
public enum TarmacMetrics {
    /// Histogram buckets of durations (API requests, machine starts and stops, deliveries).
    public static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
    ]

    public static func makeFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = durationBuckets
        factory.nameAndLabelSanitizer = { name, labels in
            (sanitize(name), labels.map { (sanitize($0.0), $0.1) })
        }
        return factory
    }

    /// Bootstraps swift-metrics with a Prometheus registry (once per process) and returns it.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(makeFactory(registry: registry))
        return registry
    }

    /// A valid Prometheus metric or label name: letters, digits and `_`, not starting with
    /// a digit; anything else becomes `_`.
    public static func sanitize(_ name: String) -> String {
        var result = ""
        for (index, scalar) in name.unicodeScalars.enumerated() {
            let ok = scalar == "_" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || (index > 0 && ("0"..."9").contains(scalar))
            result.unicodeScalars.append(ok ? scalar : "_")
        }
        return result.isEmpty ? "_" : result
    }
}

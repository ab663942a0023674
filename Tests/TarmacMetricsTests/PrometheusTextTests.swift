import CoreMetrics
import Prometheus
import Testing
@testable import TarmacMetrics

/// Re-exporting machines' own metrics with machine labels, the machine gauges, and the
/// registry's name sanitising.
@Suite("Prometheus text")
struct PrometheusTextTests {
    static let machineA = """
        # HELP app_requests_total Requests.
        # TYPE app_requests_total counter
        app_requests_total{path="/"} 12
        app_requests_total 3 1700000000000
        # TYPE app_latency_seconds histogram
        app_latency_seconds_bucket{le="0.1"} 4
        app_latency_seconds_sum 0.2
        app_latency_seconds_count 4
        not a sample line
        9bad 1
        up 1
        """

    @Test("samples get the machine labels; families of several machines merge, each with one HELP and TYPE")
    func relabelAndMerge() {
        var text = PrometheusText()
        text.add(Self.machineA, labels: [("machine_id", "m1"), ("app", "web")])
        text.add("# TYPE app_requests_total counter\napp_requests_total{path=\"/\"} 7\n", labels: [("machine_id", "m2"), ("app", "web")])
        let rendered = text.render()
        #expect(rendered == """
            # HELP app_requests_total Requests.
            # TYPE app_requests_total counter
            app_requests_total{path="/",machine_id="m1",app="web"} 12
            app_requests_total{machine_id="m1",app="web"} 3 1700000000000
            app_requests_total{path="/",machine_id="m2",app="web"} 7
            # TYPE app_latency_seconds histogram
            app_latency_seconds_bucket{le="0.1",machine_id="m1",app="web"} 4
            app_latency_seconds_sum{machine_id="m1",app="web"} 0.2
            app_latency_seconds_count{machine_id="m1",app="web"} 4
            up{machine_id="m1",app="web"} 1

            """)
    }

    @Test("label values are escaped; a sample without a value is dropped")
    func escaping() {
        #expect(PrometheusText.relabel("x 1", labels: [("app", "a\"b\\c\nd")]) == #"x{app="a\"b\\c\nd"} 1"#)
        #expect(PrometheusText.relabel("x", labels: [("app", "a")]) == nil)
        #expect(PrometheusText.relabel("x{a=\"1\"", labels: []) == nil)
    }

    @Test("machines by state (zeros included) and usage of running machines")
    func machineSamples() {
        let text = MachineSample.render([
            MachineSample(machineID: "m1", app: "web", state: "started", runtime: "container", cpuSeconds: 1.5, memoryBytes: 4096),
            MachineSample(machineID: "m2", app: "web", state: "stopped", runtime: "container"),
        ], states: ["started", "stopped", "failed"])
        #expect(text.contains("tarmac_machines{state=\"started\"} 1\n"))
        #expect(text.contains("tarmac_machines{state=\"failed\"} 0\n"))
        #expect(text.contains("tarmac_machine_cpu_seconds_total{machine_id=\"m1\",app=\"web\",runtime=\"container\"} 1.5\n"))
        #expect(text.contains("tarmac_machine_memory_bytes{machine_id=\"m1\",app=\"web\",runtime=\"container\"} 4096\n"))
        #expect(!text.contains("m2\""), "a stopped machine has no usage series")
    }

    @Test("the factory turns swift-metrics names with dots into valid Prometheus names")
    func sanitising() {
        #expect(TarmacMetrics.sanitize("http.server.request.duration") == "http_server_request_duration")
        #expect(TarmacMetrics.sanitize("9lives") == "_lives")
        let registry = PrometheusCollectorRegistry()
        let factory = TarmacMetrics.makeFactory(registry: registry)
        let counter = factory.makeCounter(label: "hb.requests", dimensions: [("hb.method", "GET")])
        counter.increment(by: 2)
        #expect(registry.emitToString().contains("hb_requests{hb_method=\"GET\"} 2"))
    }
}

import Foundation
import Testing

/// `/metrics` of a real `tarmac dev` + runc: the process's own metrics, the machines with
/// their usage, and a machine's own metrics (`config.metrics`) re-exported with its labels.
@Suite("Metrics (real tarmac dev + runc)")
struct MetricsTests {
    @Test("Prometheus text with API latency by route, machine states and usage, check results, and re-exported machine metrics")
    func metrics() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("metrics")
            let serve = "echo '# TYPE app_hits_total counter' > /www/metrics; echo 'app_hits_total{path=\"/\"} 42' >> /www/metrics; exec httpd -f -p 9091 -h /www"
            let machine = try await dev.createMachine(app: "metrics", body: ["config": [
                "image": "busybox-test", "init": ["cmd": ["sh", "-c", serve]], "restart": ["policy": "no"],
                "metrics": ["port": 9091, "path": "/metrics"],
                "checks": ["alive": ["type": "tcp", "port": 9091, "interval": "1s"]],
            ]])
            let id = try #require(machine["id"] as? String)
            _ = try await dev.wait(app: "metrics", id: id, state: "started")
            _ = try await dev.request("GET", "/v1/apps/metrics/machines/\(id)")

            #expect(try await dev.request("GET", "/metrics", headers: ["Authorization": "Bearer wrong"]).0 == 401)
            var text = ""
            #expect(try await dev.eventually {
                let (status, body) = try await dev.request("GET", "/metrics")
                text = String(decoding: body, as: UTF8.self)
                return status == 200 && text.contains("app_hits_total{path=\"/\",machine_id=\"\(id)\",app=\"metrics\"} 42")
                    && text.contains("tarmac_health_check_probes_total{type=\"tcp\",result=\"pass\"}")
            }, "\(text)")
            #expect(text.contains("tarmac_machines{state=\"started\"} 1"))
            #expect(text.contains("tarmac_machine_memory_bytes{machine_id=\"\(id)\",app=\"metrics\",runtime=\"container\"}"))
            #expect(text.contains("tarmac_machine_cpu_seconds_total{machine_id=\"\(id)\""))
            #expect(text.contains("tarmac_machine_start_duration_seconds_bucket{runtime=\"container\",outcome=\"started\""))
            #expect(text.contains("http_server_request_duration_bucket") && text.contains("/v1/apps/{app_name}/machines/{machine_id}"), "latency by route")
            #expect(text.contains("# TYPE app_hits_total counter"))

            #expect(try await dev.request("POST", "/v1/apps/metrics/machines/\(id)/stop").0 == 200)
            _ = try await dev.wait(app: "metrics", id: id, state: "stopped")
            let after = String(decoding: try await dev.request("GET", "/metrics").1, as: UTF8.self)
            #expect(after.contains("tarmac_machines{state=\"stopped\"} 1") && after.contains("tarmac_machines{state=\"started\"} 0"))
            #expect(after.contains("tarmac_machine_stop_duration_seconds_count{runtime=\"container\"} 1"))
            #expect(!after.contains("app_hits_total"), "a stopped machine is not scraped")
        }
    }
}

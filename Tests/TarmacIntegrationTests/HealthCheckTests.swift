import Foundation
import Testing

/// Health checks on real machines: a real `tarmac dev` + runc, busybox httpd inside.
@Suite("Health checks (real tarmac dev + runc)")
struct HealthCheckTests {
    static func checks(_ machine: [String: Any]?) -> [String: [String: Any]] {
        let list = machine?["checks"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: list.compactMap { check in (check["name"] as? String).map { ($0, check) } })
    }

    static func states(_ machine: [String: Any]?) -> [String: String] {
        checks(machine).compactMapValues { $0["status"] as? String }
    }

    @Test("tcp and http checks in the machine's checks[], transitions as events, restart after a check fails for restart_after")
    func checksAndUnhealthyRestart() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("health")
            // Bad check definitions are refused naming the field.
            let bad: [(Any, String)] = [
                (["alive": ["type": "tcp"]], "config.checks.alive.port"),
                (["web": ["type": "http", "port": 8080, "path": "up"]], "config.checks.web.path"),
                (["web": ["type": "http", "port": 8080, "interval": "10ms"]], "config.checks.web.interval"),
                (["web": ["type": "udp", "port": 8080]], "config.checks.web.type"),
                (["web": ["type": "tcp", "port": 8080, "restart_after": "1ms"]], "config.checks.web.restart_after"),
            ]
            for (checks, field) in bad {
                let (status, body) = try await dev.json("POST", "/v1/apps/health/machines", body: ["config": ["image": "busybox-test", "checks": checks]])
                #expect(status == 422, "\(field)")
                #expect((body?["error"] as? String)?.contains(field) == true, "\(String(describing: body))")
            }
            #expect(try await dev.jsonArray("GET", "/v1/apps/health/machines").1.isEmpty, "nothing half-made")

            let serve = "httpd -f -p 8080 -h /www & echo $! > /tmp/httpd.pid; exec sleep 1000"
            let machine = try await dev.createMachine(app: "health", body: ["config": [
                "image": "busybox-test", "init": ["cmd": ["sh", "-c", serve]], "restart": ["policy": "no"],
                // The grace period keeps a slow start (a loaded host) from counting as failures.
                "checks": ["alive": ["type": "tcp", "port": 8080, "interval": "1s", "timeout": "1s", "grace_period": "3s", "restart_after": "2s"]],
                "services": [["protocol": "tcp", "internal_port": 8080, "checks": [
                    ["type": "http", "path": "/index.html", "interval": "1s", "headers": ["X-Probe": "tarmac"]],
                    ["type": "http", "path": "/missing", "interval": "1s"],
                ]]],
            ]])
            let id = try #require(machine["id"] as? String)
            _ = try await dev.wait(app: "health", id: id, state: "started")
            let path = "/v1/apps/health/machines/\(id)"
            let expected = ["alive": "passing", "servicecheck-00-http-8080": "passing", "servicecheck-01-http-8080": "critical"]
            var view: [String: Any]?
            #expect(try await dev.eventually {
                view = try await dev.json("GET", path).1
                return Self.states(view) == expected
            }, "checks: \(String(describing: view?["checks"]))")
            let checks = Self.checks(view)
            #expect((checks["servicecheck-01-http-8080"]?["output"] as? String)?.contains("404") == true, "\(checks)")
            #expect((checks["alive"]?["output"] as? String)?.hasSuffix(":8080: Success") == true, "\(checks)")
            #expect(checks["alive"]?["updated_at"] is String)
            let list = try await dev.jsonArray("GET", "/v1/apps/health/machines?summary=true").1
            #expect(list.first?["checks"] == nil, "summaries carry no checks")

            // The machine's own service goes away: the tcp check fails, and after 2 s of
            // failing the machine restarts, with an event naming the check.
            let (killed, _) = try await dev.json("POST", path + "/exec", body: ["command": ["sh", "-c", "kill $(cat /tmp/httpd.pid)"]])
            #expect(killed == 200)
            var events: [[String: Any]] = []
            #expect(try await dev.eventually(timeout: .seconds(30)) {
                events = try await dev.events(app: "health", id: id)
                return events.contains { $0["type"] as? String == "restart" && $0["status"] as? String == "unhealthy" }
            })
            let restart = try #require(events.first { $0["type"] as? String == "restart" })
            let request = restart["request"] as? [String: Any]
            #expect(request?["check"] as? String == "alive")
            #expect((request?["output"] as? String)?.hasPrefix("TCP connect") == true)
            #expect(events.contains { $0["type"] as? String == "check" && $0["status"] as? String == "critical" })
            // Back up: a fresh instance serves again and its checks pass.
            #expect(try await dev.eventually(timeout: .seconds(30)) {
                view = try await dev.json("GET", path).1
                return view?["state"] as? String == "started" && Self.states(view) == expected
            }, "\(String(describing: view))")

            // After a kill -9 of tarmac dev the re-adopted machine is probed again: its service
            // going away restarts it a second time.
            dev.kill9()
            try await dev.launch()
            let (again, _) = try await dev.json("POST", path + "/exec", body: ["command": ["sh", "-c", "kill $(cat /tmp/httpd.pid)"]])
            #expect(again == 200)
            #expect(try await dev.eventually(timeout: .seconds(30)) {
                try await dev.events(app: "health", id: id).filter { $0["type"] as? String == "restart" && $0["status"] as? String == "unhealthy" }.count >= 2
            }, "probes run after re-adoption")
            #expect(try await dev.eventually(timeout: .seconds(30)) {
                view = try await dev.json("GET", path).1
                return view?["state"] as? String == "started" && Self.states(view) == expected
            }, "\(String(describing: view))")

            // Check events are on the app's live feed too.
            let (_, feed) = try await dev.jsonArray("GET", "/tarmac/v1/apps/health/events?limit=100")
            let feedTypes = feed.compactMap { ($0["event"] as? [String: Any])?["type"] as? String }
            #expect(feedTypes.contains("check") && feedTypes.contains("restart"), "\(feedTypes)")

            let (stopped, _) = try await dev.request("POST", path + "/stop")
            #expect(stopped == 200)
            _ = try await dev.wait(app: "health", id: id, state: "stopped")
            #expect(try await dev.eventually {
                Self.states(try await dev.json("GET", path).1).values.allSatisfy { $0 == "warning" }
            })
        }
    }
}

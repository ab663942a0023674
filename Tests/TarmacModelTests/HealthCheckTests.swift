import Foundation
import Testing
import TarmacModel

/// `MachineConfig.healthChecks`: names as the Machines API shows them, defaults filled in.
@Suite("Health checks resolved from a machine config")
struct HealthCheckTests {
    static let config = #"""
    {"image": "nginx",
     "checks": {"zeta": {"type": "tcp", "port": 9000}, "alive": {"type": "http", "path": "/up", "kind": "readiness", "restart_after": "30s"}},
     "services": [
       {"protocol": "tcp", "internal_port": 8080, "checks": [{"type": "http", "method": "head", "interval": "5s"}, {"type": "tcp"}]},
       {"protocol": "tcp", "internal_port": 5432, "checks": [{"type": "tcp", "port": 5433, "grace_period": "10s"}]}
     ]}
    """#

    @Test("top-level checks by name, then service checks numbered across services")
    func namesAndDefaults() throws {
        let config = try JSONDecoder().decode(MachineConfig.self, from: Data(Self.config.utf8))
        let checks = config.healthChecks
        #expect(checks.map(\.name) == ["alive", "zeta", "servicecheck-00-http-8080", "servicecheck-01-tcp-8080", "servicecheck-02-tcp-5433"])
        let alive = checks[0]
        #expect(alive.port == 8080, "a top-level check without a port probes the first service's internal_port")
        #expect(alive.readiness && alive.restartAfter == GoDuration(seconds: 30))
        #expect(alive.interval == HealthCheck.defaultInterval && alive.timeout == HealthCheck.defaultTimeout)
        #expect(alive.method == "GET" && alive.path == "/up" && alive.scheme == "http")
        #expect(!checks[1].readiness, "top-level checks are informational unless kind is readiness")
        let first = checks[2]
        #expect(first.method == "HEAD" && first.path == "/" && first.interval == GoDuration(seconds: 5) && first.readiness)
        #expect(checks[4].port == 5433 && checks[4].gracePeriod == GoDuration(seconds: 10))
    }

    @Test("no checks, no health checks; restart_after round-trips")
    func emptyAndCoding() throws {
        #expect(MachineConfig(image: "nginx").healthChecks.isEmpty)
        let check = MachineCheck(type: .tcp, port: 80, restartAfter: GoDuration(seconds: 90))
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(check)) as? [String: Any]
        #expect(encoded?["restart_after"] as? String == "1m30s")
        #expect(try JSONDecoder().decode(MachineCheck.self, from: JSONEncoder().encode(check)) == check)
    }
}

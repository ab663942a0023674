import Foundation
import Synchronization
import Testing
import TarmacAgentProtocol
import TarmacModel
@testable import TarmacAgent

/// Health checks on a real `Agent` (supervisor, store, outbox) over `FakeDriver`, with a
/// prober the test scripts: statuses in the machine's status, transitions as events, and a
/// restart when a check fails for its `restart_after`.
@Suite("Agent: health checks with a scripted prober")
struct AgentHealthCheckTests {
    /// Answers each check by name as the test last set it; counts probes.
    final class ScriptedProber: HealthProber {
        private let answers = Mutex<[String: Bool]>([:])
        private let counts = Mutex<[String: Int]>([:])

        func set(_ name: String, passing: Bool) { answers.withLock { $0[name] = passing } }
        func probes(_ name: String) -> Int { counts.withLock { $0[name] ?? 0 } }

        func probe(_ check: HealthCheck, address: String) async -> ProbeResult {
            counts.withLock { $0[check.name, default: 0] += 1 }
            let passing = answers.withLock { $0[check.name] ?? false }
            return ProbeResult(passed: passing, output: passing ? "\(check.name) at \(address):\(check.port) ok" : "\(check.name) refused")
        }
    }

    static func config() throws -> MachineConfig {
        try JSONDecoder().decode(MachineConfig.self, from: Data(#"""
        {"image": "fake:v1",
         "checks": {"alive": {"type": "tcp", "port": 80, "interval": "1s", "restart_after": "1s"}},
         "services": [{"protocol": "tcp", "internal_port": 8080, "checks": [{"type": "http", "interval": "1s", "path": "/up"}]}]}
        """#.utf8))
    }

    static func checks(_ agent: Agent, _ id: String) async throws -> [String: String] {
        let status = try await AgentSuspendExecTests.status(agent, id)
        return Dictionary(uniqueKeysWithValues: (status?.checks ?? []).map { ($0.name, $0.status) })
    }

    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    @Test("checks pass, fail and restart the machine after restart_after; stop ends the probes")
    func lifecycle() async throws {
        let fixture = try await AgentSuspendExecTests.Fixture.make()
        defer { fixture.remove() }
        let driver = FakeDriver()
        let prober = ScriptedProber()
        prober.set("alive", passing: true)
        try await fixture.withAgent(driver, prober: prober) { agent in
            var spec = fixture.spec()
            spec.config = try Self.config()
            let id = spec.machineID
            _ = try await agent.apply(spec, launch: true)
            try await AgentSuspendExecTests.reach(agent, id, .started)

            #expect(try await Self.eventually { try await Self.checks(agent, id) == ["alive": "passing", "servicecheck-00-http-8080": "critical"] })
            let first = try await AgentSuspendExecTests.status(agent, id)?.checks?.first
            #expect(first?.output.hasSuffix(":80 ok") == true && first?.updatedAt != nil)
            prober.set("servicecheck-00-http-8080", passing: true)
            #expect(try await Self.eventually { try await Self.checks(agent, id)["servicecheck-00-http-8080"] == "passing" })

            prober.set("alive", passing: false)
            #expect(try await Self.eventually { driver.starts.count == 2 }, "failing for restart_after restarts the machine")
            try await AgentSuspendExecTests.reach(agent, id, .started)
            let events = try await AgentSuspendExecTests.events(agent, id)
            #expect(events.contains("check/passing") && events.contains("check/critical"))
            let restart = try #require(events.firstIndex(of: "restart/unhealthy"))
            let critical = try #require(events.firstIndex(of: "check/critical"))
            #expect(critical < restart)
            let updates = try await agent.updates(after: 0, timeout: .milliseconds(1))
            let reason = updates.compactMap(\.event).first { $0.type == "restart" }?.request
            #expect(reason?["check"]?.stringValue == "alive" && reason?["output"]?.stringValue == "alive refused")

            prober.set("alive", passing: true)
            _ = try await agent.command(id, .stop(signal: nil, timeout: nil))
            try await AgentSuspendExecTests.reach(agent, id, .stopped)
            let stopped = try await AgentSuspendExecTests.status(agent, id)?.checks ?? []
            #expect(stopped.count == 2 && stopped.allSatisfy { $0.status == "warning" && $0.output == "the machine is not running" })
            let probes = prober.probes("alive")
            try await Task.sleep(for: .milliseconds(1500))
            #expect(prober.probes("alive") == probes, "no probes of a stopped machine")
        }
    }

    @Test("a machine without checks reports none and is never probed")
    func noChecks() async throws {
        let fixture = try await AgentSuspendExecTests.Fixture.make()
        defer { fixture.remove() }
        let prober = ScriptedProber()
        try await fixture.withAgent(FakeDriver(), prober: prober) { agent in
            let spec = fixture.spec()
            _ = try await agent.apply(spec, launch: true)
            try await AgentSuspendExecTests.reach(agent, spec.machineID, .started)
            #expect(try await AgentSuspendExecTests.status(agent, spec.machineID)?.checks == nil)
        }
    }
}

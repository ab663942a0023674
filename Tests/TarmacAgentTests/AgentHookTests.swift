import Foundation
import Testing
import TarmacAgentProtocol
import TarmacModel
@testable import TarmacAgent

/// Lifecycle hooks on a real `Agent` over `FakeDriver` (whose exec fails once the process
/// is gone, so a `pre_stop` that ran after the stop signal would show as failed).
@Suite("Agent: lifecycle hooks with a fake driver")
struct AgentHookTests {
    static func config() throws -> MachineConfig {
        try JSONDecoder().decode(MachineConfig.self, from: Data(#"""
        {"image": "fake:v1",
         "hooks": {"post_start": [{"exec": ["warm", "up"]}, {"exec": ["second"]}],
                   "pre_stop": [{"exec": ["drain"], "timeout": "3s"}]}}
        """#.utf8))
    }

    static func hookEvents(_ agent: Agent, _ id: String) async throws -> [MachineEvent] {
        try await agent.updates(after: 0, timeout: .milliseconds(1)).filter { $0.status.machineID == id }.compactMap(\.event)
    }

    @Test("post_start runs after the start, in order; pre_stop runs before the stop signal and before a suspend")
    func hooks() async throws {
        let fixture = try await AgentSuspendExecTests.Fixture.make()
        defer { fixture.remove() }
        let driver = FakeDriver()
        try await fixture.withAgent(driver) { agent in
            var spec = fixture.spec()
            spec.config = try Self.config()
            let id = spec.machineID
            _ = try await agent.apply(spec, launch: true)
            try await AgentSuspendExecTests.reach(agent, id, .started)
            #expect(try await AgentHealthCheckTests.eventually { try await Self.hookEvents(agent, id).filter { $0.type == "hook" }.count == 2 })
            var events = try await Self.hookEvents(agent, id)
            let postStart = events.filter { $0.type == "hook" }
            #expect(postStart.map(\.status) == ["ok", "ok"])
            #expect(postStart.map { $0.request?["command"] } == [.array([.string("warm"), .string("up")]), .array([.string("second")])])
            #expect(postStart.first?.request?["hook"]?.stringValue == "post_start")
            #expect(postStart.first?.request?["stdout"]?.stringValue == "warm up\n")
            let startIndex = try #require(events.firstIndex { $0.type == "start" })
            #expect(events.firstIndex { $0.type == "hook" }.map { $0 > startIndex } == true)

            _ = try await agent.command(id, .stop(signal: nil, timeout: nil))
            try await AgentSuspendExecTests.reach(agent, id, .stopped)
            events = try await Self.hookEvents(agent, id)
            let drain = try #require(events.last { $0.type == "hook" })
            #expect(drain.request?["hook"]?.stringValue == "pre_stop")
            #expect(drain.status == "ok", "it ran while the machine still ran: \(String(describing: drain.request))")
            let drainIndex = try #require(events.lastIndex { $0.type == "hook" })
            let exitIndex = try #require(events.lastIndex { $0.type == "exit" })
            #expect(drainIndex < exitIndex)
            #expect(driver.execs.map(\.command) == [["warm", "up"], ["second"], ["drain"]])
            #expect(driver.execs.last?.timeout == .seconds(3))

            _ = try await agent.command(id, .start)
            try await AgentSuspendExecTests.reach(agent, id, .started)
            _ = try await agent.command(id, .suspend)
            try await AgentSuspendExecTests.reach(agent, id, .suspended)
            #expect(driver.execs.last?.command == ["drain"], "pre_stop runs before a suspend")
            #expect(try await Self.hookEvents(agent, id).last { $0.type == "hook" }?.status == "ok")

            // A forced destroy does not wait for hooks.
            _ = try await agent.command(id, .start)
            try await AgentSuspendExecTests.reach(agent, id, .started)
            _ = try await agent.command(id, .destroy(force: true))
            try await Task.sleep(for: .milliseconds(200))
            #expect(driver.execs.filter { $0.command == ["drain"] }.count == 2, "only the stop and the suspend drained: \(driver.execs.map(\.command))")
        }
    }
}

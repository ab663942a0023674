import Foundation
import Testing
import TarmacAgentProtocol
import TarmacModel
import TarmacRuntime
import TarmacTestSupport
@testable import TarmacAgent

/// The agent's side of reconciliation: applies are idempotent by machine and version,
/// destroyed machines stay destroyed (tombstones), and long launches run off the
/// supervisor loop so stop and destroy answer at once and cancel them.
@Suite("Agent: idempotent apply, tombstones, cancellable launches")
struct AgentReconcileTests {
    typealias F = AgentSuspendExecTests

    @Test("applying the same version twice is harmless: one launch, same status")
    func idempotentApply() async throws {
        let fixture = try await F.Fixture.make()
        defer { fixture.remove() }
        let driver = FakeDriver()
        try await fixture.withAgent(driver) { agent in
            let spec = fixture.spec()
            let first = try await agent.apply(spec, launch: true)
            try await F.reach(agent, spec.machineID, .started)
            let retry = try await agent.apply(spec, launch: true)
            #expect(retry.instanceID == first.instanceID)
            #expect(retry.state == .started)
            #expect(retry.privateIP == first.privateIP)
            #expect(driver.starts.count == 1, "a retried apply must not relaunch")
            // Concurrent retries of a new machine's create end in one machine, launched once.
            let other = fixture.spec()
            try await withThrowingTaskGroup(of: AgentMachineStatus.self) { group in
                for _ in 0..<5 { group.addTask { try await agent.apply(other, launch: true) } }
                for try await status in group { #expect(status.instanceID == other.instanceID) }
            }
            try await F.reach(agent, other.machineID, .started)
            #expect(driver.starts.filter { $0.machineID == other.machineID }.count == 1)
            #expect(try await agent.machines().filter { $0.machineID == other.machineID }.count == 1)
            // A new version replaces the instance.
            var next = spec
            next.instanceID = ULID.make()
            _ = try await agent.apply(next, launch: true)
            try await F.reach(agent, spec.machineID, .started)
            #expect(try await F.status(agent, spec.machineID)?.instanceID == next.instanceID)
        }
    }

    @Test("a destroyed machine stays destroyed: a late apply is refused, also after an agent restart")
    func tombstone() async throws {
        let fixture = try await F.Fixture.make()
        defer { fixture.remove() }
        let driver = FakeDriver()
        let spec = fixture.spec()
        try await fixture.withAgent(driver) { agent in
            _ = try await agent.apply(spec, launch: false)
            _ = try await agent.command(spec.machineID, .destroy(force: true))
            #expect(try await F.status(agent, spec.machineID) == nil)
            await #expect(throws: AgentError(.notFound, "machine \(spec.machineID) was destroyed on this host")) {
                try await agent.apply(spec, launch: true)
            }
        }
        try await fixture.withAgent(driver) { agent in
            await #expect(throws: AgentError(.notFound, "machine \(spec.machineID) was destroyed on this host")) {
                try await agent.apply(spec, launch: true)
            }
            let remaining = try await agent.machines()
            #expect(remaining.isEmpty)
        }
        #expect(driver.starts.isEmpty)
    }

    @Test("restart backoff runs on the agent's clock: no relaunch before the delay, one right after")
    func restartBackoffOnClock() async throws {
        let fixture = try await F.Fixture.make()
        defer { fixture.remove() }
        let driver = FakeDriver()
        let clock = ManualClock()
        try await fixture.withAgent(driver, clock: clock) { agent in
            var spec = fixture.spec()
            spec.config.restart = MachineConfig.RestartConfig(policy: "always")
            _ = try await agent.apply(spec, launch: true)
            try await F.reach(agent, spec.machineID, .started)
            let pid = try #require(driver.running.first)
            driver.end(pid, ExitStatus(exitCode: 3, signal: 0, oomKilled: false, exitedAt: Date()))
            try await F.reach(agent, spec.machineID, .restarting)
            #expect(await clock.waitForSleepers())
            clock.advance(by: .milliseconds(249))
            #expect(driver.starts.count == 1, "relaunched before the backoff")
            clock.advance(by: .milliseconds(1))
            try await F.reach(agent, spec.machineID, .started)
            #expect(driver.starts.count == 2)
            #expect(try await F.status(agent, spec.machineID)?.restartCount == 1)
        }
    }

    @Test("the inventory carries each machine's spec, so a control plane can adopt it")
    func inventory() async throws {
        let fixture = try await F.Fixture.make()
        defer { fixture.remove() }
        try await fixture.withAgent(FakeDriver()) { agent in
            let spec = fixture.spec()
            _ = try await agent.apply(spec, launch: false)
            #expect(try await agent.machines().first?.spec == spec)
        }
    }

    @Test("stop during a slow launch answers at once, cancels the launch, and leaves the machine stopped")
    func stopCancelsLaunch() async throws {
        let fixture = try await F.Fixture.make()
        defer { fixture.remove() }
        let driver = FakeDriver()
        driver.slowStart(.seconds(60))
        try await fixture.withAgent(driver) { agent in
            let spec = fixture.spec()
            let accepted = try await agent.apply(spec, launch: true)
            #expect(accepted.state == .starting)
            let clock = ContinuousClock()
            let began = clock.now
            let stopped = try await agent.command(spec.machineID, .stop(signal: nil, timeout: nil))
            #expect(clock.now - began < .seconds(5), "stop waited for the launch")
            #expect([.starting, .stopped].contains(stopped.state))
            try await F.reach(agent, spec.machineID, .stopped)
            #expect(driver.cancelledStarts == 1)
            // It can be started again.
            driver.slowStart(nil)
            _ = try await agent.command(spec.machineID, .start)
            try await F.reach(agent, spec.machineID, .started)
        }
    }

    @Test("forced destroy during a slow launch answers at once and destroys the machine")
    func destroyCancelsLaunch() async throws {
        let fixture = try await F.Fixture.make()
        defer { fixture.remove() }
        let driver = FakeDriver()
        driver.slowStart(.seconds(60))
        try await fixture.withAgent(driver) { agent in
            let spec = fixture.spec()
            _ = try await agent.apply(spec, launch: true)
            let clock = ContinuousClock()
            let began = clock.now
            _ = try await agent.command(spec.machineID, .destroy(force: true))
            #expect(clock.now - began < .seconds(5), "destroy waited for the launch")
            let deadline = clock.now + .seconds(10)
            while clock.now < deadline, try await F.status(agent, spec.machineID) != nil { try await Task.sleep(for: .milliseconds(10)) }
            #expect(try await F.status(agent, spec.machineID) == nil)
            #expect(driver.cancelledStarts == 1)
            #expect(try await F.events(agent, spec.machineID).last == "destroy/destroyed")
        }
    }

    @Test("a destroy without force during a launch is refused without waiting for it")
    func unforcedDestroyRefused() async throws {
        let fixture = try await F.Fixture.make()
        defer { fixture.remove() }
        let driver = FakeDriver()
        driver.slowStart(.seconds(60))
        try await fixture.withAgent(driver) { agent in
            let spec = fixture.spec()
            _ = try await agent.apply(spec, launch: true)
            await #expect(throws: AgentError(.invalidState, "machine is starting: stop it first or destroy it with force=true")) {
                try await agent.command(spec.machineID, .destroy(force: false))
            }
            #expect(driver.cancelledStarts == 0)
            _ = try await agent.command(spec.machineID, .destroy(force: true))
        }
    }
}

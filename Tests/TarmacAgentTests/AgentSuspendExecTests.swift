import Foundation
import Logging
import Testing
import TarmacAgentProtocol
import TarmacImage
import TarmacModel
import TarmacNet
import TarmacRuntime
@testable import TarmacAgent

/// A real `Agent` (store, supervisors, FSM) over `FakeDriver`: suspend, resume, exec, and
/// a suspended machine surviving an agent restart.
@Suite("Agent: suspend, resume and exec with a fake driver")
struct AgentSuspendExecTests {
    struct Fixture {
        let root: URL
        let images: ImageStore
        let imageRef: ImageRef

        static func make() async throws -> Fixture {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-agent-tests-\(UUID().uuidString)")
            let rootfs = root.appendingPathComponent("rootfs")
            try FileManager.default.createDirectory(at: rootfs, withIntermediateDirectories: true)
            try Data("hello\n".utf8).write(to: rootfs.appendingPathComponent("hello.txt"))
            let images = ImageStore(root: root.appendingPathComponent("images"), logger: Self.logger)
            let record = try await images.importDirectory(rootfs, as: "fake:v1", config: ImageConfig(cmd: ["/bin/app"]))
            return Fixture(root: root, images: images, imageRef: record.imageRef())
        }

        static let logger = Logger(label: "tarmac-agent-tests") { _ in SwiftLogNoOpLogHandler() }

        func remove() { try? FileManager.default.removeItem(at: root) }

        func spec(id: String = Identifiers.machineID()) -> AgentMachineSpec {
            AgentMachineSpec(
                machineID: id, appName: "web", name: "m-\(id.prefix(4))", region: "local", instanceID: ULID.make(),
                config: MachineConfig(image: "fake:v1"), imageRef: imageRef)
        }

        /// Runs `body` with an agent whose `run()` is going, then shuts the agent down.
        func withAgent(
            _ driver: FakeDriver, clock: any Clock<Duration> = ContinuousClock(), prober: any HealthProber = NetworkHealthProber(),
            _ body: @Sendable (Agent) async throws -> Void
        ) async throws {
            let subnet = try #require(IPv4CIDR("172.31.9.0/24"))
            let agent = try Agent(
                configuration: .init(dataDirectory: root.appendingPathComponent("agent").path, subnet: subnet),
                driver: driver, images: images, logger: Self.logger, clock: clock, prober: prober)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await agent.run() }
                defer { group.cancelAll() }
                try await body(agent)
            }
        }
    }

    static func status(_ agent: Agent, _ id: String) async throws -> AgentMachineStatus? {
        try await agent.machines().first { $0.machineID == id }
    }

    /// Polls until the machine is in `state` (10 s at most).
    static func reach(_ agent: Agent, _ id: String, _ state: MachineState) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if try await status(agent, id)?.state == state { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("machine \(id) did not reach \(state); it is \(String(describing: try await status(agent, id)?.state))")
        throw CancellationError()
    }

    static func events(_ agent: Agent, _ id: String) async throws -> [String] {
        try await agent.updates(after: 0, timeout: .milliseconds(1)).filter { $0.status.machineID == id }
            .compactMap { $0.event.map { "\($0.type)/\($0.status)" } }
    }

    @Test("suspend → suspended with an event; start resumes from the snapshot; stop of a suspended machine discards it")
    func suspendResumeStop() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.remove() }
        let driver = FakeDriver()
        try await fixture.withAgent(driver) { agent in
            let spec = fixture.spec()
            let id = spec.machineID
            _ = try await agent.apply(spec, launch: true)
            try await Self.reach(agent, id, .started)

            let accepted = try await agent.command(id, .suspend)
            #expect([.suspending, .suspended].contains(accepted.state))
            try await Self.reach(agent, id, .suspended)
            #expect(driver.suspends.count == 1)
            #expect(try await Self.events(agent, id).suffix(2) == ["start/started", "suspend/suspended"])
            // The VM's exit during the suspend is not a crash: no exit event, no restart.
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await Self.status(agent, id)?.state == .suspended)
            #expect(try await Self.status(agent, id)?.restartCount == 0)
            #expect(driver.starts.count == 1)

            // Exec needs a started machine.
            await #expect(throws: AgentError(.invalidState, "machine is suspended; start it first")) {
                try await agent.exec(id, AgentExecRequest(command: ["ls"], timeoutSeconds: 5))
            }

            _ = try await agent.command(id, .start)
            try await Self.reach(agent, id, .started)
            #expect(driver.resumes.count == 1)
            #expect(driver.resumes.first?.snapshot.details["from"] != nil)
            #expect(driver.starts.count == 1, "resumed, not booted")
            #expect(driver.discarded.isEmpty)
            let result = try await agent.exec(id, AgentExecRequest(command: ["echo", "hi"], stdin: "x", timeoutSeconds: 7))
            #expect(result.stdout == "echo hi\n")
            #expect(driver.execs.last?.stdin == Array("x".utf8))
            #expect(driver.execs.last?.timeout == .seconds(7))

            _ = try await agent.command(id, .suspend)
            try await Self.reach(agent, id, .suspended)
            _ = try await agent.command(id, .stop(signal: nil, timeout: nil))
            try await Self.reach(agent, id, .stopped)
            #expect(driver.discarded.count == 1)
            _ = try await agent.command(id, .start)
            try await Self.reach(agent, id, .started)
            #expect(driver.starts.count == 2, "a stopped machine boots fresh")
            #expect(driver.resumes.count == 1)
        }
    }

    @Test("a suspended machine stays suspended across an agent restart and resumes afterwards; destroy discards")
    func survivesAgentRestart() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.remove() }
        let driver = FakeDriver()
        let spec = fixture.spec()
        let id = spec.machineID
        try await fixture.withAgent(driver) { agent in
            _ = try await agent.apply(spec, launch: true)
            try await Self.reach(agent, id, .started)
            _ = try await agent.command(id, .suspend)
            try await Self.reach(agent, id, .suspended)
        }
        let snapshot = try #require(try AgentStore(path: fixture.root.appendingPathComponent("agent/agent.db").path).machine(id: id)?.fsm.snapshot)
        try await fixture.withAgent(driver) { agent in
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await Self.status(agent, id)?.state == .suspended)
            _ = try await agent.command(id, .start)
            try await Self.reach(agent, id, .started)
            #expect(driver.resumes.last?.snapshot == snapshot)
            _ = try await agent.command(id, .suspend)
            try await Self.reach(agent, id, .suspended)
            _ = try await agent.command(id, .destroy(force: false))
            #expect(try await Self.status(agent, id) == nil)
            #expect(driver.discarded.count == 1)
        }
    }

    @Test("a failed suspend leaves the machine started with a suspend/failed event")
    func suspendFails() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.remove() }
        let driver = FakeDriver()
        driver.failSuspend(RuntimeError(.internalError, "qmp: migration failed"))
        try await fixture.withAgent(driver) { agent in
            let spec = fixture.spec()
            _ = try await agent.apply(spec, launch: true)
            try await Self.reach(agent, spec.machineID, .started)
            _ = try await agent.command(spec.machineID, .suspend)
            try await Task.sleep(for: .milliseconds(100))
            try await Self.reach(agent, spec.machineID, .started)
            #expect(try await Self.events(agent, spec.machineID).last == "suspend/failed")
        }
    }

    @Test("a failed resume discards the snapshot and fails the machine")
    func resumeFails() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.remove() }
        let driver = FakeDriver()
        try await fixture.withAgent(driver) { agent in
            let spec = fixture.spec()
            let id = spec.machineID
            _ = try await agent.apply(spec, launch: true)
            try await Self.reach(agent, id, .started)
            _ = try await agent.command(id, .suspend)
            try await Self.reach(agent, id, .suspended)
            driver.failResume(RuntimeError(.startFailed, "state file missing"))
            _ = try await agent.command(id, .start)
            try await Self.reach(agent, id, .failed)
            #expect(driver.discarded.count == 1)
            #expect(try await Self.events(agent, id).last == "launch/failed")
        }
    }

    @Test("suspend is refused with unsupported when the driver cannot suspend; not started is invalid_state")
    func refusals() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.remove() }
        try await fixture.withAgent(FakeDriver(canSuspend: false)) { agent in
            let spec = fixture.spec()
            _ = try await agent.apply(spec, launch: false)
            await #expect(throws: AgentError.self) { try await agent.command(spec.machineID, .suspend) }
            do {
                _ = try await agent.command(spec.machineID, .suspend)
            } catch let error as AgentError {
                #expect(error.kind == .unsupported)
                #expect(error.message.contains("fakevm runtime cannot suspend"))
            }
            do {
                _ = try await agent.exec(spec.machineID, AgentExecRequest(command: ["ls"], timeoutSeconds: 5))
                Issue.record("exec on a created machine succeeded")
            } catch let error as AgentError {
                #expect(error.kind == .invalidState)
                #expect(error.message == "machine is created; start it first")
            }
            await #expect(throws: AgentError(.notFound, "machine not found")) {
                try await agent.exec("00000000000000", AgentExecRequest(command: ["ls"], timeoutSeconds: 5))
            }
        }
        try await fixture.withAgent(FakeDriver(canSuspend: true)) { agent in
            let spec = fixture.spec()
            _ = try await agent.apply(spec, launch: false)
            do {
                _ = try await agent.command(spec.machineID, .suspend)
                Issue.record("suspend of a created machine succeeded")
            } catch let error as AgentError {
                #expect(error.kind == .invalidState)
                #expect(error.message.contains("only a started machine can be suspended"))
            }
        }
    }
}

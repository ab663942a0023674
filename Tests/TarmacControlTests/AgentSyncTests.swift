import Foundation
import Logging
import Synchronization
import Testing
import TarmacAgentProtocol
import TarmacControl
import TarmacModel
import TarmacStore

/// A host agent that serves one prepared batch of updates, then long-polls until cancelled.
final class ScriptedAgent: AgentAPI {
    struct State {
        var known: [AgentMachineStatus] = []
        var batch: [AgentUpdate] = []
        var cursors: [Int64] = []
        var acknowledged: [Int64] = []
        var applies: [(spec: AgentMachineSpec, launch: Bool)] = []
        var commands: [(machineID: String, command: AgentCommand)] = []
    }

    let state: Mutex<State>

    init(known: [AgentMachineStatus], batch: [AgentUpdate]) {
        state = Mutex(State(known: known, batch: batch))
    }

    func info() async throws -> AgentInfo { AgentInfo(hostID: "host-1", region: "local", runtime: "container", runtimeReason: "test") }
    func resolveImage(_ reference: String) async throws -> ImageRef { throw AgentError(.imageNotFound, reference) }

    func apply(_ spec: AgentMachineSpec, launch: Bool) async throws -> AgentMachineStatus {
        state.withLock { $0.applies.append((spec, launch)) }
        return AgentMachineStatus(machineID: spec.machineID, instanceID: spec.instanceID, state: .created, privateIP: "172.30.0.7", restartCount: 0, runtime: "container")
    }

    func command(_ machineID: String, _ command: AgentCommand) async throws -> AgentMachineStatus {
        state.withLock { $0.commands.append((machineID, command)) }
        return AgentMachineStatus(machineID: machineID, instanceID: "", state: .destroyed, privateIP: "", restartCount: 0, runtime: "container")
    }

    func exec(_ machineID: String, _ request: AgentExecRequest) async throws -> AgentExecResult {
        throw AgentError(.unsupported, "scripted agent does not exec")
    }

    func processes(_ machineID: String) async throws -> [ProcessStat] {
        throw AgentError(.unsupported, "scripted agent does not list processes")
    }

    func openConsole(_ machineID: String, _ request: AgentConsoleRequest) async throws -> AgentConsoleSession {
        throw AgentError(.unsupported, "scripted agent has no console")
    }

    func logs(_ request: AgentLogsRequest) async throws -> AgentLogsResponse {
        throw AgentError(.unsupported, "scripted agent keeps no logs")
    }

    func machines() async throws -> [AgentMachineStatus] { state.withLock { $0.known } }

    func updates(after: Int64, timeout: Duration) async throws -> [AgentUpdate] {
        let batch = state.withLock { state -> [AgentUpdate] in
            state.cursors.append(after)
            let batch = state.batch.filter { $0.sequence > after }
            state.batch = []
            return batch
        }
        if !batch.isEmpty { return batch }
        try await Task.sleep(for: timeout)
        return []
    }

    func acknowledge(upTo sequence: Int64) async throws {
        state.withLock { $0.acknowledged.append(sequence) }
    }
}

@Suite("AgentSync")
struct AgentSyncTests {
    static func record(name: String, state: MachineState = .created) -> MachineRecord {
        MachineRecord(
            id: Identifiers.machineID(), appName: "web", name: name, region: "local", hostID: "host-1", instanceID: ULID.make(),
            state: state, privateIP: "", config: MachineConfig(image: "web:v1"),
            imageRef: ImageRef(registry: "docker.io", repository: "library/web", tag: "v1", digest: "sha256:aa", labels: [:]),
            createdAt: Date(), runtime: "container")
    }

    /// Polls `condition` until it holds or `timeout` passes.
    static func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    @Test("reconciles, applies updates with their events, advances the cursor, acknowledges and wakes waiters")
    func sync() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-sync-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteControlStore(path: directory.appendingPathComponent("control.sqlite").path)
        try await store.ensureOrg(OrgRecord(slug: "personal", name: "Personal", internalNumericID: 1))
        try await store.insertApp(AppRecord(id: Identifiers.appID(), name: "web", orgSlug: "personal", network: "default", internalNumericID: 1, createdAt: Date()))

        let running = Self.record(name: "running")
        var lost = Self.record(name: "lost")
        lost.appliedVersion = lost.instanceID
        var gone = Self.record(name: "gone")
        gone.destroyedAt = Date()
        gone.state = .destroyed
        try await store.insertMachine(running, events: [])
        try await store.insertMachine(lost, events: [])
        try await store.insertMachine(gone, events: [])
        // Unknown to the store, no spec: quarantined, never destroyed on a guess.
        let stranger = AgentMachineStatus(machineID: "ffffffffffffff", instanceID: ULID.make(), state: .started, privateIP: "172.30.0.9", restartCount: 0, runtime: "container")
        // Destroyed by the user (tombstone) but still on the host: destroyed there.
        let zombie = AgentMachineStatus(machineID: gone.id, instanceID: gone.instanceID, state: .started, privateIP: "172.30.0.8", restartCount: 0, runtime: "container")
        // Unknown to the store, its app exists: adopted.
        let orphanSpec = AgentMachineSpec(
            machineID: "eeeeeeeeeeeeee", appName: "web", name: "orphan", region: "local", instanceID: ULID.make(),
            config: MachineConfig(image: "web:v1"), imageRef: running.imageRef)
        let orphan = AgentMachineStatus(
            machineID: orphanSpec.machineID, instanceID: orphanSpec.instanceID, state: .started, privateIP: "172.30.0.10", restartCount: 0,
            runtime: "container", spec: orphanSpec)
        let known = AgentMachineStatus(machineID: running.id, instanceID: running.instanceID, state: .starting, privateIP: "172.30.0.5", restartCount: 0, runtime: "container")
        let startEvent = MachineEvent(id: ULID.make(), type: "start", status: "started", source: "flyd", timestamp: Timestamps.unixMillis(Date()))
        var started = known
        started.state = .started
        let agent = ScriptedAgent(known: [known, stranger, zombie, orphan], batch: [
            AgentUpdate(sequence: 1, status: known, event: nil),
            AgentUpdate(sequence: 2, status: started, event: startEvent),
        ])
        let logger = Logger(label: "tarmac-sync-tests") { _ in SwiftLogNoOpLogHandler() }
        let control = Control(configuration: .init(), store: store, hosts: [Control.Host(id: "host-1", region: "local", runtime: "container", api: agent)], logger: logger)

        // A waiter that only the sync can satisfy.
        async let waited = control.waitForMachine(app: "web", id: running.id, states: ["started"], timeout: .seconds(20), version: nil)
        let sync = Task { try await AgentSync(control: control).run() }
        defer { sync.cancel() }

        let response = try await waited
        #expect(response.state == "started")
        #expect(response.eventID == startEvent.id)
        #expect(try await Self.eventually { agent.state.withLock { $0.acknowledged } == [2] })
        #expect(try await store.agentCursor(hostID: "host-1") == 2)
        let stored = try #require(try await store.machine(id: running.id))
        #expect(stored.state == .started)
        #expect(stored.privateIP == "172.30.0.5")
        #expect(try await store.events(machineID: running.id, limit: 5) == [startEvent])

        // Reconciliation: the machine the agent lost is re-sent without launching (it was
        // delivered once); the tombstoned one is destroyed; the stranger is left alone.
        #expect(try await Self.eventually { agent.state.withLock { !$0.applies.isEmpty && !$0.commands.isEmpty } })
        #expect(try await Self.eventually { try await store.machine(id: orphanSpec.machineID) != nil })
        let applies = agent.state.withLock { $0.applies }
        #expect(applies.map(\.spec.machineID) == [lost.id])
        #expect(applies.first?.launch == false)
        let commands = agent.state.withLock { $0.commands }
        #expect(commands.map(\.machineID) == [gone.id])
        #expect(commands.first?.command == .destroy(force: true))
        #expect(control.quarantinedMachines.keys.sorted() == [stranger.machineID])
        let adopted = try #require(try await store.machine(id: orphanSpec.machineID))
        #expect(adopted.name == "orphan")
        #expect(adopted.appliedVersion == orphanSpec.instanceID)
        #expect(try await store.events(machineID: adopted.id, limit: 1).first?.type == "adopted")
        #expect(try await store.machine(id: running.id)?.appliedVersion == running.instanceID)

        // The next poll continues after the stored cursor.
        #expect(try await Self.eventually { agent.state.withLock { $0.cursors }.last == 2 })
        sync.cancel()
        _ = await sync.result
    }

    @Test("a suspended machine flows through the sync: state, suspend event, wait state=suspended")
    func suspended() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-sync-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteControlStore(path: directory.appendingPathComponent("control.sqlite").path)
        try await store.ensureOrg(OrgRecord(slug: "personal", name: "Personal", internalNumericID: 1))
        try await store.insertApp(AppRecord(id: Identifiers.appID(), name: "web", orgSlug: "personal", network: "default", internalNumericID: 1, createdAt: Date()))
        let machine = Self.record(name: "vm", state: .started)
        try await store.insertMachine(machine, events: [])
        var status = AgentMachineStatus(machineID: machine.id, instanceID: machine.instanceID, state: .suspending, privateIP: "172.30.0.5", restartCount: 0, runtime: "microvm")
        let suspending = AgentUpdate(sequence: 1, status: status, event: nil)
        status.state = .suspended
        let event = MachineEvent(id: ULID.make(), type: "suspend", status: "suspended", source: "flyd", timestamp: Timestamps.unixMillis(Date()))
        let agent = ScriptedAgent(known: [status], batch: [suspending, AgentUpdate(sequence: 2, status: status, event: event)])
        let logger = Logger(label: "tarmac-sync-tests") { _ in SwiftLogNoOpLogHandler() }
        let control = Control(configuration: .init(), store: store, hosts: [Control.Host(id: "host-1", region: "local", runtime: "microvm", api: agent)], logger: logger)

        async let waited = control.waitForMachine(app: "web", id: machine.id, states: ["suspended"], timeout: .seconds(20), version: nil)
        let sync = Task { try await AgentSync(control: control).run() }
        defer { sync.cancel() }
        let response = try await waited
        #expect(response.state == "suspended")
        #expect(response.eventID == event.id)
        let view = try await control.machine(app: "web", id: machine.id)
        #expect(view.state == "suspended")
        #expect(view.events?.first?.type == "suspend")
        sync.cancel()
        _ = await sync.result
    }
}

import Foundation
import Testing
import TarmacModel
import TarmacStore

@Suite("SQLiteControlStore: agent changes, purge, durability")
struct SQLiteControlStoreAgentTests {
    typealias F = StoreFixture

    // MARK: agent changes

    @Test("applyAgentChanges applies state for the current instance, appends the event, advances the cursor")
    func applyCurrentInstance() async throws {
        try await F.withApp { _, store in
            let machine = F.machine(name: "one")
            try await store.insertMachine(machine, events: [F.event("launch")])
            #expect(try await store.agentCursor(hostID: "host-1") == 0)
            let started = F.event("start", status: "started")
            let records = try await store.applyAgentChanges(hostID: "host-1", changes: [F.change(machine, state: .started, event: started, restartCount: 2)], cursor: 7).records
            #expect(records.count == 1)
            #expect(records.first?.state == .started)
            let stored = try #require(try await store.machine(id: machine.id))
            #expect(stored.state == .started)
            #expect(stored.privateIP == "172.30.0.9")
            #expect(stored.restartCount == 2)
            #expect(stored.updatedAt > machine.updatedAt)
            #expect(stored.destroyedAt == nil)
            #expect(try await store.events(machineID: machine.id, limit: 1) == [started])
            #expect(try await store.agentCursor(hostID: "host-1") == 7)
            #expect(try await store.agentCursor(hostID: "host-2") == 0)
            // The cursor only belongs to its host and moves with each batch.
            _ = try await store.applyAgentChanges(hostID: "host-1", changes: [], cursor: 9)
            #expect(try await store.agentCursor(hostID: "host-1") == 9)
        }
    }

    @Test("applyAgentChanges does not apply the state of an older instance, but keeps its event")
    func applyOlderInstance() async throws {
        try await F.withApp { _, store in
            let machine = F.machine(name: "one", state: .started)
            try await store.insertMachine(machine, events: [])
            let exit = F.event("exit", status: "stopped")
            _ = try await store.applyAgentChanges(hostID: "host-1", changes: [F.change(machine, state: .stopped, instanceID: ULID.make(), event: exit)], cursor: 1)
            let stored = try #require(try await store.machine(id: machine.id))
            #expect(stored.state == .started)
            #expect(stored.privateIP == machine.privateIP)
            #expect(try await store.events(machineID: machine.id, limit: 5) == [exit])
            #expect(try await store.agentCursor(hostID: "host-1") == 1)
        }
    }

    @Test("applyAgentChanges: destroyed sets destroyedAt and hides the machine")
    func applyDestroyed() async throws {
        try await F.withApp { _, store in
            let machine = F.machine(name: "one")
            try await store.insertMachine(machine, events: [])
            _ = try await store.applyAgentChanges(hostID: "host-1", changes: [F.change(machine, state: .destroyed, event: F.event("destroy", status: "destroyed"))], cursor: 3)
            let stored = try #require(try await store.machine(id: machine.id))
            #expect(stored.state == .destroyed)
            #expect(stored.destroyedAt != nil)
            #expect(try await store.machines(appName: "web", includeDeleted: false).isEmpty)
            #expect(try await store.machines(hostID: "host-1").isEmpty)
            #expect(try await store.machineCount(appName: "web") == 0)
            // Its name is free again.
            try await store.insertMachine(F.machine(name: "one"), events: [])
        }
    }

    @Test("applyAgentChanges reports unknown machines (never drops them silently) and still advances the cursor")
    func applyUnknown() async throws {
        try await F.withApp { _, store in
            let ghost = F.machine(name: "ghost")
            let outcome = try await store.applyAgentChanges(
                hostID: "host-1", changes: [F.change(ghost, state: .started, event: F.event("start")), F.change(ghost, state: .stopped)], cursor: 4)
            #expect(outcome.records.isEmpty)
            #expect(outcome.unknownMachineIDs == [ghost.id])
            #expect(try await store.machine(id: ghost.id) == nil)
            #expect(try await store.events(machineID: ghost.id, limit: 5).isEmpty)
            #expect(try await store.agentCursor(hostID: "host-1") == 4)
        }
    }

    @Test("applyAgentChanges is atomic: a failing change rolls back the batch and the cursor")
    func applyAtomic() async throws {
        try await F.withApp { _, store in
            let a = F.machine(name: "a")
            let b = F.machine(name: "b")
            try await store.insertMachine(a, events: [])
            try await store.insertMachine(b, events: [])
            _ = try await store.applyAgentChanges(hostID: "host-1", changes: [], cursor: 5)
            // NaN can't be encoded as JSON, so the second change's event fails mid-transaction.
            let poisoned = MachineEvent(id: ULID.make(), type: "exit", status: "stopped", source: "flyd", timestamp: 1, request: .object(["x": .number(.nan)]))
            await #expect(throws: (any Error).self) {
                _ = try await store.applyAgentChanges(
                    hostID: "host-1",
                    changes: [F.change(a, state: .started, event: F.event("start", status: "started")), F.change(b, state: .stopped, event: poisoned)],
                    cursor: 6)
            }
            #expect(try await store.machine(id: a.id)?.state == .created)
            #expect(try await store.events(machineID: a.id, limit: 5).isEmpty)
            #expect(try await store.machine(id: b.id)?.state == .created)
            #expect(try await store.agentCursor(hostID: "host-1") == 5)
        }
    }

    // MARK: purge and durability

    @Test("a report about the desired version marks it applied; one about an older version does not")
    func appliedVersion() async throws {
        try await F.withApp { _, store in
            let machine = F.machine(name: "acked")
            try await store.insertMachine(machine, events: [])
            #expect(try await store.machine(id: machine.id)?.needsApply == true)
            _ = try await store.applyAgentChanges(hostID: "host-1", changes: [F.change(machine, state: .stopped, instanceID: ULID.make())], cursor: 1)
            #expect(try await store.machine(id: machine.id)?.appliedVersion == nil)
            _ = try await store.applyAgentChanges(hostID: "host-1", changes: [F.change(machine, state: .created)], cursor: 2)
            let stored = try await store.machine(id: machine.id)
            #expect(stored?.appliedVersion == machine.instanceID)
            #expect(stored?.needsApply == false)
        }
    }

    @Test("tombstones: destroyed machines of a host are found among agent-reported IDs, live ones are not")
    func tombstones() async throws {
        try await F.withApp { _, store in
            let live = F.machine(name: "live")
            let gone = F.machine(name: "gone")
            try await store.insertMachine(live, events: [])
            try await store.insertMachine(gone, events: [])
            _ = try await store.applyAgentChanges(hostID: "host-1", changes: [F.change(gone, state: .destroyed)], cursor: 1)
            let found = try await store.tombstonedMachineIDs(hostID: gone.hostID, among: [live.id, gone.id, "unknown0000000"])
            #expect(found == [gone.id])
            #expect(try await store.tombstonedMachineIDs(hostID: gone.hostID, among: []).isEmpty)
        }
    }

    @Test("purgeMachine removes the machine, its events and versions, and frees its name")
    func purge() async throws {
        try await F.withApp { _, store in
            let machine = F.machine(name: "one")
            let other = F.machine(name: "two")
            try await store.insertMachine(machine, events: [F.event("launch")])
            try await store.insertMachine(other, events: [F.event("launch")])
            try await store.purgeMachine(id: machine.id)
            #expect(try await store.machine(id: machine.id) == nil)
            #expect(try await store.events(machineID: machine.id, limit: 5).isEmpty)
            #expect(try await store.versions(machineID: machine.id).isEmpty)
            #expect(try await store.machines(appName: "web", includeDeleted: true).map(\.id) == [other.id])
            #expect(try await store.events(machineID: other.id, limit: 5).count == 1)
            try await store.insertMachine(F.machine(name: "one"), events: [])
            // Purging an unknown machine is harmless.
            try await store.purgeMachine(id: "00000000000000")
        }
    }

    @Test("everything survives reopening the store")
    func durability() async throws {
        try await F.with { fixture, store in
            try await store.ensureOrg(F.personal)
            let app = F.app("web")
            try await store.insertApp(app)
            var machine = F.machine(name: "one")
            machine.lease = LeaseRecord(nonce: "5c35f65c9f95", owner: "admin", description: "d", expiresAt: Date(timeIntervalSince1970: 1_800_000_000))
            let launch = F.event("launch")
            try await store.insertMachine(machine, events: [launch])
            _ = try await store.applyAgentChanges(hostID: "host-1", changes: [F.change(machine, state: .started)], cursor: 11)

            let reopened = try SQLiteControlStore(path: fixture.path)
            #expect(try await reopened.org(slug: "personal") == F.personal)
            #expect(try await reopened.app(named: "web") == app)
            let stored = try #require(try await reopened.machine(id: machine.id))
            #expect(stored.state == .started)
            #expect(stored.lease == machine.lease)
            #expect(stored.config == machine.config)
            #expect(stored.createdAt == machine.createdAt)
            #expect(try await reopened.events(machineID: machine.id, limit: 5) == [launch])
            #expect(try await reopened.versions(machineID: machine.id).count == 1)
            #expect(try await reopened.agentCursor(hostID: "host-1") == 11)
            // Constraints survive too.
            let error = await F.conflict { try await reopened.insertMachine(F.machine(name: "one"), events: []) }
            #expect(error?.existingID == machine.id)
        }
    }

    @Test("concurrent inserts of the same name: exactly one wins")
    func concurrentNameRace() async throws {
        try await F.withApp { _, store in
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask { (try? await store.insertMachine(F.machine(name: "race"), events: [])) != nil }
                }
                var outcomes: [Bool] = []
                for await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            let live = try await store.machines(appName: "web", includeDeleted: false)
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(live.count == 1)
        }
    }
}

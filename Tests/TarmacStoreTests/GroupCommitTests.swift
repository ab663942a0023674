import Foundation
import Testing
import TarmacModel
import TarmacStore

/// Concurrent writes share transactions (group commit): each still gets its own outcome,
/// a failing one is rolled back alone, and everything acknowledged is there after a reopen.
@Suite("SQLiteControlStore: group commit")
struct GroupCommitTests {
    typealias F = StoreFixture

    @Test("500 concurrent creates, some refused as name conflicts: each caller gets its own answer, the refused leave nothing")
    func concurrentWritesKeepTheirOwnOutcome() async throws {
        try await F.withApp { fixture, store in
            // Names repeat every 400: creates 400…499 reuse a name and must be refused alone.
            let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for index in 0..<500 {
                    group.addTask {
                        let machine = F.machine(name: "m-\(index % 400)")
                        do {
                            try await store.insertMachine(machine, events: [F.event("launch")])
                            return (index, true)
                        } catch let error as StoreError where error.code == .conflict {
                            return (index, false)
                        }
                    }
                }
                var outcomes: [Int: Bool] = [:]
                for try await (index, accepted) in group { outcomes[index] = accepted }
                return outcomes
            }
            #expect(outcomes.values.filter { $0 }.count == 400)
            #expect(outcomes.values.filter { !$0 }.count == 100)
            let live = try await store.machines(appName: "web", includeDeleted: false)
            #expect(live.count == 400)
            #expect(Set(live.map(\.name)).count == 400)
            // Every accepted machine has exactly its one event (a refused one left none).
            for machine in live.prefix(20) { #expect(try await store.events(machineID: machine.id, limit: 10).count == 1) }

            let reopened = try SQLiteControlStore(path: fixture.path)
            #expect(try await reopened.machineCount(appName: "web") == 400)
        }
    }

    @Test("a read-modify-write in a batch sees the writes queued before it")
    func batchedModificationsDoNotLoseUpdates() async throws {
        try await F.withApp { _, store in
            let machine = F.machine(name: "counter")
            try await store.insertMachine(machine, events: [])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<200 {
                    group.addTask {
                        try await store.modifyMachine(id: machine.id, newVersion: false, events: []) { $0.restartCount += 1 }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.machine(id: machine.id)?.restartCount == 200)
        }
    }
}

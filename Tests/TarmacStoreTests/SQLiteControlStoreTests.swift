import Foundation
import Testing
import TarmacModel
import TarmacStore

@Suite("SQLiteControlStore")
struct SQLiteControlStoreTests {
    typealias F = StoreFixture

    // MARK: orgs and apps

    @Test("orgs: ensureOrg is idempotent and keeps the first record")
    func orgs() async throws {
        try await F.with { _, store in
            #expect(try await store.org(slug: "personal") == nil)
            try await store.ensureOrg(F.personal)
            try await store.ensureOrg(OrgRecord(slug: "personal", name: "Renamed", internalNumericID: 2))
            #expect(try await store.org(slug: "personal") == F.personal)
        }
    }

    @Test("apps: insert, get, list by org, delete; duplicate names conflict")
    func apps() async throws {
        try await F.with { _, store in
            try await store.ensureOrg(F.personal)
            let web = F.app("web")
            try await store.insertApp(web)
            try await store.insertApp(F.app("api"))
            try await store.insertApp(F.app("other", org: "acme"))
            #expect(try await store.app(named: "web") == web)
            #expect(try await store.app(named: "nope") == nil)
            #expect(try await store.apps(orgSlug: "personal").map(\.name) == ["api", "web"])
            #expect(try await store.apps(orgSlug: "acme").map(\.name) == ["other"])

            let error = await F.conflict { try await store.insertApp(F.app("web")) }
            #expect(error?.code == .conflict)
            #expect(error?.message.contains("web") == true)
            // The original is untouched.
            #expect(try await store.app(named: "web") == web)

            try await store.deleteApp(named: "web")
            #expect(try await store.app(named: "web") == nil)
            #expect(try await store.apps(orgSlug: "personal").map(\.name) == ["api"])
        }
    }

    // MARK: machines

    @Test("insertMachine stores the record, its events and its first version")
    func insertMachine() async throws {
        try await F.withApp { _, store in
            let machine = F.machine(name: "one")
            let launch = F.event("launch")
            try await store.insertMachine(machine, events: [launch])
            #expect(try await store.machine(id: machine.id) == machine)
            #expect(try await store.events(machineID: machine.id, limit: 10) == [launch])
            #expect(try await store.versions(machineID: machine.id) == [MachineVersion(version: machine.instanceID, userConfig: machine.config)])
            #expect(try await store.machineCount(appName: "web") == 1)
            #expect(try await store.machine(id: "00000000000000") == nil)
        }
    }

    @Test("names are unique among live machines; the conflict names the existing machine ID")
    func nameUniqueness() async throws {
        try await F.withApp { _, store in
            let first = F.machine(name: "db")
            try await store.insertMachine(first, events: [])
            let second = F.machine(name: "db")
            let error = await F.conflict { try await store.insertMachine(second, events: [F.event("launch")]) }
            #expect(error?.code == .conflict)
            #expect(error?.existingID == first.id)
            #expect(error?.message.contains(first.id) == true)
            #expect(error?.message.contains("already_exists") == true)
            #expect(error?.message.contains("\"db\"") == true)
            // Nothing of the refused machine was written.
            #expect(try await store.machine(id: second.id) == nil)
            #expect(try await store.events(machineID: second.id, limit: 10).isEmpty)
            #expect(try await store.versions(machineID: second.id).isEmpty)
            // The same name in another app is fine.
            try await store.insertApp(F.app("api"))
            try await store.insertMachine(F.machine(app: "api", name: "db"), events: [])
        }
    }

    @Test("a destroyed machine's name can be reused")
    func nameReuseAfterDestroy() async throws {
        try await F.withApp { _, store in
            var first = F.machine(name: "db")
            try await store.insertMachine(first, events: [])
            first.state = .destroyed
            first.destroyedAt = Date()
            try await store.updateMachine(first, newVersion: false, events: [F.event("destroy", status: "destroyed")])
            let second = F.machine(name: "db")
            try await store.insertMachine(second, events: [])
            #expect(try await store.machines(appName: "web", includeDeleted: true).map(\.id) == [first.id, second.id])
            #expect(try await store.machines(appName: "web", includeDeleted: false).map(\.id) == [second.id])
        }
    }

    @Test("listing with and without deleted machines, by app, org and host")
    func listing() async throws {
        try await F.withApp { _, store in
            try await store.insertApp(F.app("api"))
            let a = F.machine(name: "a", host: "host-1")
            let b = F.machine(name: "b", host: "host-2")
            var c = F.machine(name: "c", host: "host-1")
            let d = F.machine(app: "api", name: "d", host: "host-1")
            for machine in [a, b, c, d] { try await store.insertMachine(machine, events: []) }
            c.state = .destroyed
            c.destroyedAt = Date()
            try await store.updateMachine(c, newVersion: false, events: [])

            #expect(try await store.machines(appName: "web", includeDeleted: false).map(\.id) == [a.id, b.id])
            #expect(try await store.machines(appName: "web", includeDeleted: true).map(\.id) == [a.id, b.id, c.id])
            #expect(try await store.machineCount(appName: "web") == 2)
            #expect(try await store.machineCount(appName: "api") == 1)
            #expect(Set(try await store.machines(orgSlug: "personal", includeDeleted: false).map(\.id)) == [a.id, b.id, d.id])
            #expect(Set(try await store.machines(orgSlug: "personal", includeDeleted: true).map(\.id)) == [a.id, b.id, c.id, d.id])
            let orgIDs = try await store.machines(orgSlug: "personal", includeDeleted: true).map(\.id)
            #expect(orgIDs == orgIDs.sorted())
            #expect(try await store.machines(orgSlug: "acme", includeDeleted: true).isEmpty)
            #expect(Set(try await store.machines(hostID: "host-1").map(\.id)) == [a.id, d.id])
            #expect(try await store.machines(hostID: "host-2").map(\.id) == [b.id])
        }
    }

    @Test("updateMachine writes the record, adds a version when asked, and appends events")
    func updateMachine() async throws {
        try await F.withApp { _, store in
            var machine = F.machine(name: "one")
            let first = machine.instanceID
            try await store.insertMachine(machine, events: [F.event("launch")])
            machine.cordoned = true
            try await store.updateMachine(machine, newVersion: false, events: [])
            #expect(try await store.machine(id: machine.id)?.cordoned == true)
            #expect(try await store.versions(machineID: machine.id).count == 1)

            machine.instanceID = ULID.make()
            machine.config.env = ["NEW": "1"]
            try await store.updateMachine(machine, newVersion: true, events: [F.event("update", status: "replacing")])
            #expect(try await store.machine(id: machine.id) == machine)
            let versions = try await store.versions(machineID: machine.id)
            #expect(versions.map(\.version) == [machine.instanceID, first])
            #expect(versions.first?.userConfig.env == ["NEW": "1"])
            #expect(versions.last?.userConfig.env == nil)
            #expect(try await store.events(machineID: machine.id, limit: 10).map(\.type) == ["update", "launch"])
        }
    }

    @Test("events come newest first and respect the limit")
    func eventsOrder() async throws {
        try await F.withApp { _, store in
            var machine = F.machine(name: "one")
            try await store.insertMachine(machine, events: [F.event("launch")])
            for index in 0..<5 {
                machine.updatedAt = Date()
                try await store.updateMachine(machine, newVersion: false, events: [F.event("e\(index)")])
            }
            #expect(try await store.events(machineID: machine.id, limit: 50).map(\.type) == ["e4", "e3", "e2", "e1", "e0", "launch"])
            #expect(try await store.events(machineID: machine.id, limit: 2).map(\.type) == ["e4", "e3"])
            // Events of several kinds inserted together keep their order.
            try await store.updateMachine(machine, newVersion: false, events: [F.event("x"), F.event("y")])
            #expect(try await store.events(machineID: machine.id, limit: 2).map(\.type) == ["y", "x"])
        }
    }

    @Test("one machine of an app with its newest events, read together; another app's machine is not found")
    func machineLookup() async throws {
        try await F.withApp { _, store in
            try await store.insertApp(F.app("other"))
            let machine = F.machine(name: "one")
            try await store.insertMachine(machine, events: [F.event("launch")])
            try await store.updateMachine(machine, newVersion: false, events: [F.event("start"), F.event("exit")])
            guard case .found(let record, let events) = try await store.machine(app: "web", id: machine.id, eventLimit: 2) else {
                Issue.record("the machine was not found")
                return
            }
            #expect(record.id == machine.id && record.name == "one")
            #expect(events.map(\.type) == ["exit", "start"])
            guard case .found(_, let none) = try await store.machine(app: "web", id: machine.id, eventLimit: 0) else {
                Issue.record("the machine was not found without events")
                return
            }
            #expect(none.isEmpty)
            guard case .machineNotFound = try await store.machine(app: "other", id: machine.id, eventLimit: 2) else {
                Issue.record("a machine of another app was returned")
                return
            }
            guard case .machineNotFound = try await store.machine(app: "web", id: "nope", eventLimit: 2) else {
                Issue.record("an unknown machine was returned")
                return
            }
            guard case .appNotFound = try await store.machine(app: "missing", id: machine.id, eventLimit: 2) else {
                Issue.record("a missing app was not reported")
                return
            }
        }
    }

    @Test("app events: every machine of the app in sequence order, after a cursor, limited; the newest sequence")
    func appEvents() async throws {
        try await F.withApp { _, store in
            #expect(try await store.lastEventSequence() == 0)
            try await store.insertApp(F.app("other"))
            let one = F.machine(name: "one"), two = F.machine(name: "two"), elsewhere = F.machine(app: "other", name: "x")
            try await store.insertMachine(one, events: [F.event("launch")])
            try await store.insertMachine(elsewhere, events: [F.event("launch")])
            try await store.insertMachine(two, events: [F.event("launch")])
            try await store.updateMachine(one, newVersion: false, events: [F.event("start")])
            let all = try await store.appEvents(appName: "web", after: 0, limit: 50)
            #expect(all.map(\.machineID) == [one.id, two.id, one.id])
            #expect(all.map(\.event.type) == ["launch", "launch", "start"])
            #expect(all.map(\.sequence) == all.map(\.sequence).sorted() && Set(all.map(\.sequence)).count == 3)
            #expect(try await store.appEvents(appName: "web", after: all[0].sequence, limit: 50) == Array(all.dropFirst()))
            #expect(try await store.appEvents(appName: "web", after: 0, limit: 1) == [all[0]])
            #expect(try await store.appEvents(appName: "other", after: 0, limit: 50).map(\.machineID) == [elsewhere.id])
            #expect(try await store.lastEventSequence() == all[2].sequence)
        }
    }

    @Test("events keep their request payloads")
    func eventPayload() async throws {
        try await F.withApp { _, store in
            let machine = F.machine(name: "one")
            let exit = MachineEvent(
                id: ULID.make(), type: "exit", status: "stopped", source: "flyd", timestamp: 1_700_000_000_123,
                request: .object(["exit_event": .object(["exit_code": .number(1), "exited_at": .string("2023-11-14T22:13:20Z")]), "restart_count": .number(2)]))
            try await store.insertMachine(machine, events: [exit])
            #expect(try await store.events(machineID: machine.id, limit: 1) == [exit])
        }
    }
}

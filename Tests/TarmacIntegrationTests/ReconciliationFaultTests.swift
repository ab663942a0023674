import Foundation
import Testing

/// Faults on the control plane ↔ agent wire during concurrent creates, updates and
/// destroys, against a real `tarmac dev` and real runc: replies lost after the agent acted,
/// the process killed between the control plane's durable write and its agent call, and
/// killed inside the agent's apply. After recovery: every acknowledged create exists exactly
/// once and is visible, no running container is invisible, nothing the user did not destroy
/// was destroyed, and destroying everything leaves no runtime leftovers.
@Suite("Reconciliation under faults", .serialized)
struct ReconciliationFaultTests {
    /// What the test's client was told.
    actor Ledger {
        var created: [String: String] = [:]   // name → id, acknowledged creates
        var destroyed: Set<String> = []        // ids whose destroy was acknowledged
        var updated: Set<String> = []
        var unanswered = 0
        var failures: [String] = []

        func create(_ name: String, _ id: String) { created[name] = id }
        func destroy(_ id: String) { destroyed.insert(id) }
        func update(_ id: String) { updated.insert(id) }
        func lost(_ why: String) {
            unanswered += 1
            if failures.count < 5 { failures.append(why) }
        }
    }

    static func body(_ name: String, marker: Int) -> [String: Any] {
        ["name": name, "config": ["image": "busybox-test", "init": ["cmd": ["sleep", "\(marker)"]], "guest": ["cpus": 1, "memory_mb": 256]]]
    }

    /// Creates `names` concurrently, recording what was acknowledged.
    static func create(_ dev: DevInstance, _ names: [String], ledger: Ledger) async {
        await withTaskGroup(of: Void.self) { group in
            for (index, name) in names.enumerated() {
                group.addTask {
                    do {
                        let (status, machine) = try await dev.json("POST", "/v1/apps/faults/machines", body: body(name, marker: 9000 + index))
                        if status == 200, let id = machine?["id"] as? String {
                            await ledger.create(name, id)
                        } else {
                            await ledger.lost("\(status): \(String(describing: machine))")
                        }
                    } catch {
                        await ledger.lost("\(error)")
                    }
                }
            }
        }
    }

    /// Checks the invariants once the instance runs without faults and has reconciled.
    static func verify(_ dev: DevInstance, ledger: Ledger) async throws {
        let created = await ledger.created
        let destroyed = await ledger.destroyed
        // Reconciliation converges: nothing pending delivery, no machine stuck between states.
        let converged = try await dev.eventually(timeout: .seconds(60)) {
            let (_, list) = try await dev.jsonArray("GET", "/v1/apps/faults/machines")
            let states = list.compactMap { $0["state"] as? String }
            return states.allSatisfy { $0 == "started" } && destroyed.allSatisfy { id in !list.contains { $0["id"] as? String == id } }
        }
        let (_, list) = try await dev.jsonArray("GET", "/v1/apps/faults/machines")
        #expect(converged, "not converged: \(list.map { "\($0["name"] ?? "?")=\($0["state"] ?? "?")" })\n\(dev.log.suffix(3000))")
        let names = list.compactMap { $0["name"] as? String }
        let ids = Set(list.compactMap { $0["id"] as? String })
        // Every acknowledged create that was not destroyed exists exactly once, under its ID.
        for (name, id) in created where !destroyed.contains(id) {
            #expect(names.filter { $0 == name }.count == 1, "acknowledged machine \(name) (\(id)) appears \(names.filter { $0 == name }.count) times")
            #expect(ids.contains(id), "acknowledged machine \(name) (\(id)) is not visible")
        }
        // No machine was destroyed that the user did not destroy.
        let (_, all) = try await dev.jsonArray("GET", "/v1/apps/faults/machines?include_deleted=true")
        for machine in all where machine["state"] as? String == "destroyed" {
            let id = machine["id"] as? String ?? ""
            #expect(destroyed.contains(id), "machine \(id) was destroyed but the user never destroyed it")
        }
        // No running container is invisible through the API.
        let containers = Shell.lines("runc", ["--root", dev.dataDirectory.appendingPathComponent("agent/runc").path, "list", "-q"])
        for container in containers {
            #expect(ids.contains(container), "container \(container) runs but the API does not list it")
        }
        #expect(containers.count == ids.count, "\(containers.count) containers for \(ids.count) machines")
    }

    /// Starts tarmac dev with a crash fault armed and runs `work` against it. The fault may
    /// strike while it starts (reconciling what the previous phase left pending applies
    /// versions, and an apply may be the one that crashes): that is the fault under test too,
    /// so the phase then ends there.
    static func launchUnderFault(_ dev: DevInstance, _ work: () async -> Void) async throws {
        do {
            try await dev.launch()
        } catch let error as FixtureError {
            dev.reapIfDead()
            guard !dev.isRunning, dev.log.contains("fault injection: crash-") else { throw error }
            return
        }
        await work()
    }

    @Test("lost replies, control plane killed after its write, agent killed mid-apply: 50 concurrent creates, updates, destroys converge")
    func faults() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox("busybox-test:latest")
            try await dev.createApp("faults")
            let ledger = Ledger()

            // 1. A third of the agent's replies are lost after it acted.
            dev.stop()
            dev.environment["TARMAC_FAULTS"] = "drop-reply=0.35"
            try await dev.launch()
            await Self.create(dev, (0..<50).map { "m\($0)" }, ledger: ledger)
            let acknowledged = await ledger.created
            let failures = await ledger.failures
            #expect(acknowledged.count == 50, "a lost reply must not fail a create that was recorded: \(failures)\n\(dev.log.suffix(2000))")
            let ids = acknowledged.values.sorted()
            await withTaskGroup(of: Void.self) { group in
                for id in ids.prefix(15) {
                    group.addTask {
                        let update: [String: Any] = ["config": ["image": "busybox-test", "init": ["cmd": ["sleep", "8999"]], "env": ["V": "2"]]]
                        if let (status, _) = try? await dev.json("POST", "/v1/apps/faults/machines/\(id)", body: update), status == 200 { await ledger.update(id) }
                    }
                }
                for id in ids.suffix(15) {
                    group.addTask {
                        if let (status, _) = try? await dev.request("DELETE", "/v1/apps/faults/machines/\(id)?force=true"), status == 200 { await ledger.destroy(id) }
                    }
                }
            }

            // 2. The control plane dies between its durable write and the agent call.
            dev.kill9()
            dev.environment["TARMAC_FAULTS"] = "crash-after-write=0.2"
            try await Self.launchUnderFault(dev) { await Self.create(dev, (50..<60).map { "c\($0)" }, ledger: ledger) }
            try await Task.sleep(for: .milliseconds(300))
            dev.reapIfDead()
            if dev.isRunning { dev.kill9() }

            // 3. The agent dies inside an apply, after its durable write, before its reply.
            dev.environment["TARMAC_FAULTS"] = "crash-in-apply=0.2"
            try await Self.launchUnderFault(dev) { await Self.create(dev, (60..<70).map { "a\($0)" }, ledger: ledger) }
            try await Task.sleep(for: .milliseconds(300))
            dev.reapIfDead()
            if dev.isRunning { dev.kill9() }

            // Recovery: no faults, reconcile on connect.
            dev.environment["TARMAC_FAULTS"] = nil
            try await dev.launch()
            try await Self.verify(dev, ledger: ledger)
            let updated = await ledger.updated
            for id in updated {
                let (_, machine) = try await dev.json("GET", "/v1/apps/faults/machines/\(id)")
                let env = (machine?["config"] as? [String: Any])?["env"] as? [String: String]
                #expect(env?["V"] == "2", "acknowledged update of \(id) was lost")
            }

            // Destroying everything leaves nothing behind.
            let (status, _) = try await dev.request("DELETE", "/v1/apps/faults?force=true")
            #expect(status == 202 || status == 200)
            let clean = try await dev.eventually(timeout: .seconds(60)) {
                try await RuntimeLeftovers.find(prefix: dev.prefix, dataDirectory: dev.dataDirectory).isEmpty
            }
            let leftovers = try await RuntimeLeftovers.find(prefix: dev.prefix, dataDirectory: dev.dataDirectory)
            #expect(clean, "leftovers: \(leftovers)")
        }
    }
}

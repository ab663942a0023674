import Foundation
import Testing
import TarmacAgentProtocol
import TarmacControl
import TarmacModel
import TarmacStore

@Suite("ReconcilePlan")
struct ReconcilePlanTests {
    static let image = ImageRef(registry: "docker.io", repository: "library/web", tag: "v1", digest: "sha256:aa", labels: [:])

    static func record(_ id: String, applied: Bool = true, launch: Bool? = true, destroyRequested: Bool = false) -> MachineRecord {
        var record = MachineRecord(
            id: id, appName: "web", name: id, region: "local", hostID: "host-1", instanceID: "v2-\(id)", state: .started,
            privateIP: "", config: MachineConfig(image: "web:v1"), imageRef: image, createdAt: Date(), runtime: "container")
        if applied { record.appliedVersion = record.instanceID }
        record.desiredLaunch = launch
        if destroyRequested { record.destroyRequestedAt = Date() }
        return record
    }

    static func status(_ id: String, version: String? = nil, state: MachineState = .started, app: String? = nil) -> AgentMachineStatus {
        let instance = version ?? "v2-\(id)"
        let spec = app.map {
            AgentMachineSpec(machineID: id, appName: $0, name: id, region: "local", instanceID: instance, config: MachineConfig(image: "web:v1"), imageRef: image)
        }
        return AgentMachineStatus(machineID: id, instanceID: instance, state: state, privateIP: "10.0.0.2", restartCount: 0, runtime: "container", spec: spec)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var actual: [AgentMachineStatus]
        var desired: [MachineRecord]
        var tombstones: Set<String> = []
        var apps: Set<String> = []
        var expected: [ReconcilePlan.Action]
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "in step: nothing to do", actual: [status("a")], desired: [record("a")], expected: []),
        Row(name: "a create whose delivery was lost is delivered as asked (launch)", actual: [], desired: [record("a", applied: false)],
            expected: [.apply(machineID: "a", launch: true)]),
        Row(name: "a create with skip_launch is delivered without launching", actual: [], desired: [record("a", applied: false, launch: false)],
            expected: [.apply(machineID: "a", launch: false)]),
        Row(name: "a machine the host lost after delivery comes back without being started behind the user's back",
            actual: [], desired: [record("a")], expected: [.apply(machineID: "a", launch: false)]),
        Row(name: "an update whose delivery was lost is delivered", actual: [status("a", version: "v1-a")], desired: [record("a", applied: false)],
            expected: [.apply(machineID: "a", launch: true)]),
        Row(name: "the host has the version but the ack was lost: mark it applied", actual: [status("a")], desired: [record("a", applied: false)],
            expected: [.markApplied(machineID: "a", version: "v2-a")]),
        Row(name: "a destroy whose delivery was lost is finished on the host", actual: [status("a")], desired: [record("a", destroyRequested: true)],
            expected: [.destroy(machineID: "a")]),
        Row(name: "a destroy the host already did is recorded", actual: [], desired: [record("a", destroyRequested: true)],
            expected: [.markDestroyed(machineID: "a")]),
        Row(name: "a host reporting a destroyed machine counts as not having it", actual: [status("a", state: .destroyed)],
            desired: [record("a", destroyRequested: true)], expected: [.markDestroyed(machineID: "a")]),
        Row(name: "a tombstoned machine still on the host is destroyed there", actual: [status("z")], desired: [], tombstones: ["z"],
            expected: [.destroy(machineID: "z")]),
        Row(name: "an unknown machine whose app exists is adopted", actual: [status("o", app: "web")], desired: [], apps: ["web"],
            expected: [.adopt(status("o", app: "web"))]),
        Row(name: "an unknown machine of an unknown app is quarantined, not destroyed", actual: [status("q", app: "gone")], desired: [],
            expected: [.quarantine(machineID: "q", reason: "its app \"gone\" does not exist")]),
        Row(name: "an unknown machine without a spec is quarantined", actual: [status("q")], desired: [],
            expected: [.quarantine(machineID: "q", reason: "the host did not say which app it belongs to")]),
        Row(name: "an unknown machine already destroyed on the host is ignored", actual: [status("d", state: .destroyed)], desired: [], expected: []),
    ]

    @Test("actions", arguments: rows)
    func actions(row: Row) {
        let actions = ReconcilePlan.actions(actual: row.actual, desired: row.desired, tombstones: row.tombstones, existingApps: row.apps)
        #expect(actions == row.expected)
    }

    @Test("never destroys a machine without a destroy request or a tombstone, whatever the mix")
    func neverDestroysOnAGuess() {
        let actual = [Self.status("a"), Self.status("b", version: "old"), Self.status("c", app: "web"), Self.status("d"), Self.status("e", app: "other")]
        let desired = [Self.record("a"), Self.record("b", applied: false), Self.record("f", applied: false)]
        let actions = ReconcilePlan.actions(actual: actual, desired: desired, tombstones: [], existingApps: ["web"])
        #expect(!actions.contains { if case .destroy = $0 { true } else { false } })
        #expect(actions.contains(.apply(machineID: "f", launch: true)))
        #expect(actions.contains(.apply(machineID: "b", launch: true)))
    }
}

import Foundation
import Testing
import TarmacControl
import TarmacModel
import TarmacStore

@Suite("MachineFilter")
struct MachineFilterTests {
    static func record(state: MachineState, region: String, metadata: [String: String]?) -> MachineRecord {
        var config = MachineConfig(image: "web:v1")
        config.metadata = metadata
        return MachineRecord(
            id: Identifiers.machineID(), appName: "web", name: "m", region: region, hostID: "host-1", instanceID: ULID.make(),
            state: state, privateIP: "", config: config,
            imageRef: ImageRef(registry: "docker.io", repository: "library/web", tag: "v1", digest: "sha256:aa", labels: [:]),
            createdAt: Date(), runtime: "container")
    }

    @Test("an empty filter matches everything")
    func empty() {
        #expect(MachineFilter().matches(Self.record(state: .stopped, region: "ams", metadata: nil)))
    }

    @Test("state, region and metadata must all match")
    func matching() {
        let machine = Self.record(state: .started, region: "local", metadata: ["role": "web", "fly_process_group": "app"])
        var filter = MachineFilter()
        filter.states = ["started", "stopped"]
        filter.region = "local"
        filter.metadata = ["role": "web"]
        #expect(filter.matches(machine))
        filter.region = ""
        #expect(filter.matches(machine))
        filter.metadata["fly_process_group"] = "worker"
        #expect(!filter.matches(machine))
        filter.metadata = ["role": "web"]
        filter.states = ["stopped"]
        #expect(!filter.matches(machine))
        filter.states = []
        filter.region = "ams"
        #expect(!filter.matches(machine))
        var metadataOnly = MachineFilter()
        metadataOnly.metadata = ["role": "web"]
        #expect(!metadataOnly.matches(Self.record(state: .started, region: "local", metadata: nil)))
    }
}

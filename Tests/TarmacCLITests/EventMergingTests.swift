import TarmacModel
import Testing
@testable import TarmacCLI

@Suite struct EventMergingTests {
    func entry(_ machine: String, _ id: String, _ timestamp: Int64) -> EventMerging.Entry {
        let event = MachineEvent(id: id, type: "start", status: "started", source: "flyd", timestamp: timestamp)
        return EventMerging.Entry(machineID: machine, event: event, raw: .object(["id": .string(id), "timestamp": .number(Double(timestamp))]))
    }

    @Test func mergesNewestFirstAndLimits() {
        let merged = EventMerging.merge([
            entry("m1", "01A", 1000), entry("m1", "01C", 3000),
            entry("m2", "01B", 2000), entry("m2", "01D", 3000),
        ], limit: 3)
        #expect(merged.map(\.event.id) == ["01D", "01C", "01B"])
        #expect(EventMerging.merge([entry("m", "x", 1)], limit: 0).isEmpty)
    }

    @Test func jsonCarriesTheMachineID() {
        let json = EventMerging.json([entry("m1", "01A", 1000)])
        #expect(json == .array([.object(["id": .string("01A"), "timestamp": .number(1000), "machine_id": .string("m1")])]))
    }

    @Test func pairsTypedAndRawEvents() {
        let event = MachineEvent(id: "01A", type: "exit", status: "stopped", source: "flyd", timestamp: 5)
        let entries = EventMerging.entries(machineID: "m", events: [event], raw: [.object(["id": .string("01A")])])
        #expect(entries.count == 1)
        #expect(EventMerging.row(entries[0])[1] == "m")
    }
}

import Foundation
import Testing
import TarmacAgentProtocol
import TarmacModel
@testable import TarmacAgent

/// `Agent.logs`: merging machines' lines in time order, the newest numbers for a follower,
/// and refusing bad limits and ids that are not machine ids (they name files).
@Suite("Agent: logs")
struct AgentLogsTests {
    @Test("lines of several machines merge in time order; newest and oldest; numbers to follow on from")
    func merge() async throws {
        let fixture = try await AgentSuspendExecTests.Fixture.make()
        defer { fixture.remove() }
        let (a, b) = (Identifiers.machineID(), Identifiers.machineID())
        try await fixture.withAgent(FakeDriver()) { agent in
            let collector = LogCollector(directory: fixture.root.appendingPathComponent("agent/logs").path)
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            for index in 1...5 {
                for (offset, id) in [a, b].enumerated() {
                    try LogCollectorTests.append("\(id.prefix(2)) \(index)\n", to: collector.rawPath(id))
                    try collector.collect(id, now: start.addingTimeInterval(Double(index * 2 + offset)))
                }
            }
            let tail = try await agent.logs(AgentLogsRequest(machineIDs: [a, b], limit: 3, order: .newest))
            #expect(tail.lines.map { "\($0.machineID == a ? "a" : "b")\($0.number)" } == ["b4", "a5", "b5"])
            #expect(tail.newest == [a: 5, b: 5])
            let head = try await agent.logs(AgentLogsRequest(machineIDs: [a, b], limit: 3, order: .oldest))
            #expect(head.lines.map { "\($0.machineID == a ? "a" : "b")\($0.number)" } == ["a1", "b1", "a2"])
            let onward = try await agent.logs(AgentLogsRequest(machineIDs: [a, b], after: [a: 4, b: 5], limit: 100, order: .oldest))
            #expect(onward.lines.map(\.message) == ["\(a.prefix(2)) 5"])
            let since = try await agent.logs(AgentLogsRequest(
                machineIDs: [a], since: Int64(1_800_000_008) * 1_000_000_000, limit: 100, order: .oldest))
            #expect(since.lines.map(\.number) == [4, 5])
            let unknown = try await agent.logs(AgentLogsRequest(machineIDs: [Identifiers.machineID()], limit: 10, order: .newest))
            #expect(unknown.lines.isEmpty && unknown.newest.values.allSatisfy { $0 == 0 })
        }
    }

    @Test("a limit out of range or an id that is not a machine id is an invalid argument", arguments: [
        AgentLogsRequest(machineIDs: ["d891d7e1c3e468"], limit: 0, order: .newest),
        AgentLogsRequest(machineIDs: ["d891d7e1c3e468"], limit: 10_001, order: .newest),
        AgentLogsRequest(machineIDs: ["../agent"], limit: 10, order: .newest),
        AgentLogsRequest(machineIDs: ["d891d7e1c3e468", "/etc/passwd"], limit: 10, order: .oldest),
    ])
    func badRequests(_ request: AgentLogsRequest) async throws {
        let fixture = try await AgentSuspendExecTests.Fixture.make()
        defer { fixture.remove() }
        try await fixture.withAgent(FakeDriver()) { agent in
            let error = await #expect(throws: AgentError.self) { try await agent.logs(request) }
            #expect(error?.kind == .invalidArgument)
        }
    }
}

import Foundation
import Testing
import TarmacAgent

@Suite("Agent store durability")
struct AgentStoreDurabilityTests {
    @Test("the agent store's writer fsyncs every commit (synchronous = FULL), despite WAL defaults")
    func agentStoreIsFullySynchronous() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("agent-durability-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try AgentStore(path: path)
        #expect(try store.synchronousMode() == 2)
    }
}

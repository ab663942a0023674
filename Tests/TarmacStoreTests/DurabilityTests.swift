import Foundation
import Testing
import TarmacStore

@Suite("Store durability")
struct DurabilityTests {
    @Test("the control store's writer fsyncs every commit (synchronous = FULL), despite WAL defaults")
    func controlStoreIsFullySynchronous() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("durability-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteControlStore(path: path)
        #expect(try store.synchronousMode() == 2)
    }
}

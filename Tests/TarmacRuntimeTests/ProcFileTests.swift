import Foundation
import Testing
import TarmacSystem

@Suite("ProcFile")
struct ProcFileTests {
    @Test("reads a mount table far larger than 4 KiB completely (Foundation stops at the first page)")
    func readsLargeMountTables() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("procfile-\(UUID().uuidString.prefix(8))")
        var mounted: [String] = []
        defer {
            for path in mounted { _ = umount2(path, 0) }
            try? FileManager.default.removeItem(at: base)
        }
        for index in 0..<150 {
            let path = base.appendingPathComponent("a-long-directory-name-so-that-the-mount-table-grows-\(index)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            guard mount("tmpfs", path, "tmpfs", 0, nil) == 0 else { return }  // no CAP_SYS_ADMIN: nothing to check
            mounted.append(path)
        }
        let table = try #require(ProcFile.read("/proc/self/mountinfo"))
        #expect(table.utf8.count > 8192)
        let missing = mounted.filter { !table.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) of \(mounted.count) mounts not seen")
    }
}

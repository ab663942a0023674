import TarmacClient
import TarmacModel
import Testing
@testable import TarmacCLI

@Suite("tarmac platform regions")
struct PlatformRegionsCommandTests {
    @Test("a table with the default region marked, unknown positions as -")
    func table() {
        let text = PlatformRegionsCommand.table(PlatformRegions(regions: [PlatformRegion.named("ams"), PlatformRegion.named("local")], nearest: "local"))
        let lines = text.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("ams ") && lines[1].contains("Amsterdam, Netherlands") && lines[1].contains("52.37, 4.9"))
        #expect(lines[2].hasPrefix("local *") && lines[2].hasSuffix("-"))
        #expect(APIRequest.platformRegions().path == "/v1/platform/regions")
    }
}

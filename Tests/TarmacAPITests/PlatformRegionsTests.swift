import Foundation
import HummingbirdTesting
import Testing
import TarmacModel

@Suite("API: platform regions")
struct PlatformRegionsTests {
    @Test("the regions that have hosts in Fly's shape, nearest = the default region; authenticated")
    func regions() async throws {
        try await APIHarness.with { api in
            let response = try await api.request(.get, "/v1/platform/regions")
            #expect(response.status == .ok)
            let object = try response.object()
            #expect(object["nearest"] as? String == "local")
            let regions = try #require(object["regions"] as? [[String: Any]])
            #expect(regions.count == 1 && regions.first?["code"] as? String == "local")
            #expect(Set(regions.first?.keys.map { $0 } ?? []) == [
                "code", "name", "latitude", "longitude", "gateway_available", "requires_paid_plan", "deprecated", "geo_region", "mpg_available",
            ])
            let anonymous = try await api.request(.get, "/v1/platform/regions", authorization: nil)
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test("Fly's region codes get their city and coordinates; others are listed under their code")
    func known() {
        let ams = PlatformRegion.named("ams")
        #expect(ams.name == "Amsterdam, Netherlands" && ams.geoRegion == "eu" && abs(ams.latitude - 52.37) < 0.01)
        let custom = PlatformRegion.named("rack-7")
        #expect(custom.name == "rack-7" && custom.latitude == 0 && custom.longitude == 0)
        #expect(PlatformRegion.known.count >= 30 && PlatformRegion.known.values.allSatisfy { abs($0.latitude) <= 90 && abs($0.longitude) <= 180 })
    }
}

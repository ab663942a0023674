import Testing
import TarmacModel

@Suite("Identifiers")
struct IdentifiersTests {
    static let hex = Set("0123456789abcdef")

    @Test("machine IDs are 14 lowercase hex characters")
    func machineIDs() {
        let ids = (0..<500).map { _ in Identifiers.machineID() }
        for id in ids {
            #expect(id.count == 14)
            #expect(id.allSatisfy { Self.hex.contains($0) })
            #expect(Identifiers.isMachineID(id))
        }
        #expect(Set(ids).count == ids.count)
    }

    @Test("isMachineID rejects other strings", arguments: ["", "1857156b526dd", "1857156b526dd80", "1857156B526DD8", "1857156g526dd8", "aged-wind-2649"])
    func notMachineIDs(value: String) {
        #expect(!Identifiers.isMachineID(value))
    }

    @Test("isMachineID accepts the docs example")
    func docsMachineID() {
        #expect(Identifiers.isMachineID("1857156b526dd8"))
    }

    @Test("app IDs are 16 lowercase alphanumerics, nonces 12 hex")
    func appIDsAndNonces() {
        for _ in 0..<200 {
            let appID = Identifiers.appID()
            #expect(appID.count == 16)
            #expect(appID.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) })
            let nonce = Identifiers.leaseNonce()
            #expect(nonce.count == 12)
            #expect(nonce.allSatisfy { Self.hex.contains($0) })
        }
    }

    @Test("generated machine names are adjective-noun-NNNN and valid names")
    func machineNames() throws {
        for _ in 0..<300 {
            let name = Identifiers.machineName()
            let parts = name.split(separator: "-")
            #expect(parts.count == 3)
            let number = try #require(Int(parts[2]))
            #expect((1000...9999).contains(number))
            #expect(Identifiers.isValidName(name))
        }
    }

    @Test("valid names", arguments: ["a", "web", "my-app", "app-1", "1app", "a-b-c", String(repeating: "a", count: 63), "aged-wind-2649"])
    func validNames(name: String) {
        #expect(Identifiers.isValidName(name))
    }

    @Test("invalid names", arguments: ["", "-app", "app-", "My-App", "APP", "my_app", "my.app", "my app", "app/1", "ünïcode", String(repeating: "a", count: 64)])
    func invalidNames(name: String) {
        #expect(!Identifiers.isValidName(name))
    }
}

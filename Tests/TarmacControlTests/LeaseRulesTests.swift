import Foundation
import Testing
import TarmacControl
import TarmacStore

@Suite("LeaseRules")
struct LeaseRulesTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)
    static let active = LeaseRecord(nonce: "5c35f65c9f95", owner: "admin", description: "deploy", expiresAt: now.addingTimeInterval(30))
    static let expired = LeaseRecord(nonce: "5c35f65c9f95", owner: "admin", description: "deploy", expiresAt: now.addingTimeInterval(-1))
    static let expiringNow = LeaseRecord(nonce: "5c35f65c9f95", owner: "admin", description: "", expiresAt: now)
    static let held = LeaseRules.Decision.held(owner: "admin", expiresAt: now.addingTimeInterval(30))

    @Test("mayMutate", arguments: [
        (nil, nil, .allowed),
        (nil, "anything", .allowed),
        (active, "5c35f65c9f95", .allowed),
        (active, nil, held),
        (active, "", held),
        (active, "000000000000", held),
        (expired, nil, .allowed),
        (expired, "000000000000", .allowed),
        (expiringNow, nil, .allowed),
    ] as [(LeaseRecord?, String?, LeaseRules.Decision)])
    func mayMutate(lease: LeaseRecord?, nonce: String?, expected: LeaseRules.Decision) {
        #expect(LeaseRules.mayMutate(lease: lease, nonce: nonce, now: Self.now) == expected)
    }

    @Test("acquire", arguments: [
        (nil, nil, .acquire),
        (nil, "5c35f65c9f95", .acquire),
        (active, "5c35f65c9f95", .refresh),
        (active, nil, .held(owner: "admin", expiresAt: now.addingTimeInterval(30))),
        (active, "000000000000", .held(owner: "admin", expiresAt: now.addingTimeInterval(30))),
        (expired, nil, .acquire),
        (expired, "5c35f65c9f95", .acquire),
        (expiringNow, nil, .acquire),
    ] as [(LeaseRecord?, String?, LeaseRules.AcquireDecision)])
    func acquire(lease: LeaseRecord?, nonce: String?, expected: LeaseRules.AcquireDecision) {
        #expect(LeaseRules.acquire(lease: lease, nonce: nonce, now: Self.now) == expected)
    }

    @Test("release", arguments: [
        (active, nil, .missingNonce),
        (active, "", .missingNonce),
        (nil, nil, .missingNonce),
        (nil, "5c35f65c9f95", .notFound),
        (expired, "5c35f65c9f95", .notFound),
        (active, "000000000000", .wrongNonce),
        (active, "5c35f65c9f95", .release),
    ] as [(LeaseRecord?, String?, LeaseRules.ReleaseDecision)])
    func release(lease: LeaseRecord?, nonce: String?, expected: LeaseRules.ReleaseDecision) {
        #expect(LeaseRules.release(lease: lease, nonce: nonce, now: Self.now) == expected)
    }

    @Test("a lease stops being active at its expiry instant")
    func expiry() {
        let lease = Self.active
        #expect(lease.isActive(at: Self.now))
        #expect(lease.isActive(at: Self.now.addingTimeInterval(29.999)))
        #expect(!lease.isActive(at: Self.now.addingTimeInterval(30)))
        #expect(LeaseRules.mayMutate(lease: lease, nonce: nil, now: Self.now.addingTimeInterval(31)) == .allowed)
    }
}

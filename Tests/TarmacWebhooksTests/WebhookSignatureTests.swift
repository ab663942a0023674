import Crypto
import Foundation
import Testing
@testable import TarmacWebhooks

/// The `tarmac-signature` header: what a receiver computes, and every way it refuses.
@Suite("WebhookSignature")
struct WebhookSignatureTests {
    static let secret = "0123456789abcdef-secret"
    static let body = Data(#"{"event":{"type":"start"}}"#.utf8)

    @Test("the header is t=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">, as documented")
    func documentedAlgorithm() {
        let header = WebhookSignature.sign(secret: Self.secret, timestamp: 1_700_000_000, body: Self.body)
        let mac = HMAC<SHA256>.authenticationCode(for: Data("1700000000.".utf8) + Self.body, using: SymmetricKey(data: Data(Self.secret.utf8)))
        #expect(header == "t=1700000000,v1=" + mac.map { String(format: "%02x", $0) }.joined())
    }

    @Test("a fresh, untampered signature verifies")
    func verifies() throws {
        let now = Date()
        let header = WebhookSignature.sign(secret: Self.secret, timestamp: Int64(now.timeIntervalSince1970), body: Self.body)
        try WebhookSignature.verify(header, secret: Self.secret, body: Self.body, now: now)
        // Extra fields and a second (rotated) signature are tolerated.
        try WebhookSignature.verify("v0=zz," + header + ",v1=00", secret: Self.secret, body: Self.body, now: now)
    }

    @Test("tampered bodies, wrong secrets, old timestamps and malformed headers are refused")
    func refusals() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let header = WebhookSignature.sign(secret: Self.secret, timestamp: 1_700_000_000, body: Self.body)
        #expect(throws: WebhookSignature.Refusal.mismatch) {
            try WebhookSignature.verify(header, secret: Self.secret, body: Data(#"{"event":{"type":"stop"}}"#.utf8), now: now)
        }
        #expect(throws: WebhookSignature.Refusal.mismatch) {
            try WebhookSignature.verify(header, secret: "another-secret-of-length", body: Self.body, now: now)
        }
        #expect(throws: WebhookSignature.Refusal.stale(ageSeconds: 301)) {
            try WebhookSignature.verify(header, secret: Self.secret, body: Self.body, now: now.addingTimeInterval(301))
        }
        let replayedWithNewTime = header.replacingOccurrences(of: "t=1700000000", with: "t=1700000300")
        #expect(throws: WebhookSignature.Refusal.mismatch, "the timestamp is signed: changing it breaks the signature") {
            try WebhookSignature.verify(replayedWithNewTime, secret: Self.secret, body: Self.body, now: now.addingTimeInterval(300))
        }
        for bad in ["", "t=1700000000", "v1=abcd", "garbage", "t=x,v1=ab"] {
            #expect(throws: WebhookSignature.Refusal.self, "\(bad)") { try WebhookSignature.verify(bad, secret: Self.secret, body: Self.body, now: now) }
        }
    }
}

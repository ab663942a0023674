import Testing
import TarmacWebhooks

@Suite("WebhookBackoff")
struct WebhookBackoffTests {
    @Test("doubles from the base up to the cap; jitter stays within half to all of it")
    func doublingCapAndJitter() {
        let backoff = WebhookBackoff(base: .seconds(1), cap: .seconds(300))
        #expect((1...10).map { backoff.ceiling(afterAttempt: $0) } == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300].map { Duration.seconds($0) })
        #expect(backoff.ceiling(afterAttempt: 1000) == .seconds(300))
        #expect(backoff.delay(afterAttempt: 3, fraction: 0) == .seconds(2))
        #expect(backoff.delay(afterAttempt: 3, fraction: 1) == .seconds(4))
        #expect(backoff.delay(afterAttempt: 3, fraction: 0.5) == .seconds(3))
        for _ in 0..<100 {
            let delay = backoff.delay(afterAttempt: 5)
            #expect(delay >= .seconds(8) && delay <= .seconds(16))
        }
    }
}

import Testing
import TarmacModel
@testable import TarmacAgent

/// `CheckTracker`, the pure state machine behind each health check.
@Suite("CheckTracker")
struct CheckTrackerTests {
    static func check(grace: Double = 0, interval: Double = 10, restartAfter: Double? = nil) -> HealthCheck {
        HealthCheck(
            name: "web",
            check: MachineCheck(type: .http, port: 80, interval: GoDuration(seconds: interval), gracePeriod: GoDuration(seconds: grace), restartAfter: restartAfter.map { GoDuration(seconds: $0) }),
            defaultPort: nil, readiness: true)
    }

    @Test("warning before any result; a pass passes; a failure after the grace period is critical")
    func states() {
        var tracker = CheckTracker(check: Self.check(grace: 5))
        #expect(tracker.state == .warning)
        #expect(tracker.record(passed: false, output: "refused", at: .seconds(1)) == .init(stateChanged: false, restart: false))
        #expect(tracker.state == .warning && tracker.output == "refused", "failures in the grace period only warn")
        #expect(tracker.record(passed: true, output: "200 OK", at: .seconds(2)).stateChanged)
        #expect(tracker.state == .passing)
        #expect(!tracker.record(passed: true, output: "200 OK", at: .seconds(3)).stateChanged)
        #expect(tracker.record(passed: false, output: "500", at: .seconds(6)).stateChanged)
        #expect(tracker.state == .critical)
        #expect(tracker.record(passed: false, output: "500", at: .seconds(4)) == .init(stateChanged: true, restart: false), "back inside the grace period: warning")
    }

    @Test("probes every second until the first pass in the grace period, then at the interval")
    func delays() {
        var tracker = CheckTracker(check: Self.check(grace: 5, interval: 10))
        #expect(tracker.delay(at: .zero) == .seconds(1))
        _ = tracker.record(passed: false, output: "refused", at: .seconds(1))
        #expect(tracker.delay(at: .seconds(1)) == .seconds(1))
        #expect(tracker.delay(at: .seconds(6)) == .seconds(10), "after the grace period, the interval")
        _ = tracker.record(passed: true, output: "ok", at: .seconds(2))
        #expect(tracker.delay(at: .seconds(2)) == .seconds(10))
        #expect(CheckTracker(check: Self.check(grace: 5, interval: 1)).delay(at: .zero) == .seconds(1))
    }

    @Test("restart_after: one restart per stretch of failures, reset by a pass")
    func restartAfter() {
        var tracker = CheckTracker(check: Self.check(grace: 2, restartAfter: 10))
        #expect(!tracker.record(passed: false, output: "x", at: .seconds(1)).restart, "grace period failures do not count")
        #expect(!tracker.record(passed: false, output: "x", at: .seconds(3)).restart)
        #expect(!tracker.record(passed: false, output: "x", at: .seconds(12)).restart)
        #expect(tracker.record(passed: false, output: "x", at: .seconds(13)).restart, "failing since 3 s, for 10 s")
        #expect(!tracker.record(passed: false, output: "x", at: .seconds(14)).restart, "asks once per stretch")
        #expect(tracker.record(passed: false, output: "x", at: .seconds(23)).restart)
        _ = tracker.record(passed: true, output: "ok", at: .seconds(24))
        #expect(!tracker.record(passed: false, output: "x", at: .seconds(30)).restart)
        #expect(tracker.record(passed: false, output: "x", at: .seconds(40)).restart)
        var plain = CheckTracker(check: Self.check())
        for second in 0..<100 { #expect(!plain.record(passed: false, output: "x", at: .seconds(second)).restart) }
    }
}

import TarmacModel

/// The status of one health check, from its probe results (a pure state machine; time is
/// the time since the machine started).
///
/// - Before the first result the check is `warning` ("waiting for the first check").
/// - A pass makes it `passing`.
/// - A failure inside the grace period leaves it `warning` (the service may still be
///   starting); after it, a failure makes it `critical`.
/// - Until its first pass, a check in its grace period is probed at least every second, so
///   a machine becomes ready as soon as its service answers, not one interval later.
/// - A check with `restartAfter` that has been failing (outside the grace period) for that
///   long asks for one restart; it asks again only after another such stretch.
struct CheckTracker: Sendable, Hashable {
    let check: HealthCheck
    private(set) var state: CheckState = .warning
    private(set) var output = "waiting for the first check"
    private(set) var everPassed = false
    /// When the current run of failures (outside the grace period) began.
    private(set) var failingSince: Duration?

    init(check: HealthCheck) { self.check = check }

    /// What one result changed.
    struct Change: Sendable, Hashable {
        var stateChanged: Bool
        /// The machine should be restarted (the check failed for `restartAfter`).
        var restart: Bool
    }

    mutating func record(passed: Bool, output: String, at elapsed: Duration) -> Change {
        let previous = state
        self.output = output
        var restart = false
        if passed {
            state = .passing
            everPassed = true
            failingSince = nil
        } else if elapsed < check.gracePeriod.duration {
            state = .warning
        } else {
            state = .critical
            let since = failingSince ?? elapsed
            failingSince = since
            if let limit = check.restartAfter?.duration, elapsed - since >= limit {
                restart = true
                failingSince = elapsed
            }
        }
        return Change(stateChanged: state != previous, restart: restart)
    }

    /// How long to wait before the next probe.
    func delay(at elapsed: Duration) -> Duration {
        let interval = check.interval.duration
        if !everPassed, elapsed < check.gracePeriod.duration { return min(interval, .seconds(1)) }
        return interval
    }
}

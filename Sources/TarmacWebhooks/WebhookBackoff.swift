/// Retry delays of a failing delivery: exponential (`base`, doubling per attempt, at most
/// `cap`) with jitter, so receivers coming back are not hit by every sender at once. The
/// n-th retry waits between half and all of `min(cap, base · 2ⁿ⁻¹)`.
public struct WebhookBackoff: Sendable, Hashable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration = .seconds(1), cap: Duration = .seconds(300)) {
        self.base = base
        self.cap = cap
    }

    /// The ceiling of the delay after failed attempt `attempt` (1-based), before jitter.
    public func ceiling(afterAttempt attempt: Int) -> Duration {
        let doublings = min(max(attempt - 1, 0), 40)
        var delay = base
        for _ in 0..<doublings {
            delay *= 2
            if delay >= cap { return cap }
        }
        return min(delay, cap)
    }

    /// The delay after failed attempt `attempt`; `fraction` in [0, 1] picks the jitter.
    public func delay(afterAttempt attempt: Int, fraction: Double) -> Duration {
        let ceiling = ceiling(afterAttempt: attempt)
        return ceiling / 2 + (ceiling / 2) * min(max(fraction, 0), 1)
    }

    public func delay(afterAttempt attempt: Int) -> Duration {
        delay(afterAttempt: attempt, fraction: Double.random(in: 0...1))
    }
}

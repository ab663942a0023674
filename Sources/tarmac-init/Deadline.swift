import Glibc

/// Waiting for something the kernel brings up asynchronously (a device node, a network
/// interface, a virtio port), by polling at a short interval until a deadline: no fixed
/// sleeps on the boot path.
enum Deadline {
    /// Calls `probe` until it returns a value or `timeout` has passed (then nil).
    static func poll<Value>(timeout: Duration, interval: Duration = .milliseconds(2), _ probe: () -> Value?) -> Value? {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while true {
            if let value = probe() { return value }
            if clock.now >= end { return nil }
            let (seconds, attoseconds) = interval.components
            var pause = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
            var remaining = timespec()
            while nanosleep(&pause, &remaining) != 0 && errno == EINTR { pause = remaining }
        }
    }
}

/// Wakes long-polling readers of the agent's update outbox when a new update is stored.
actor UpdateFeed {
    private var latest: Int64
    private var waiters: [(after: Int64, continuation: CheckedContinuation<Void, Never>)] = []

    private let clock: any Clock<Duration>

    /// `clock` measures long-poll timeouts.
    init(latest: Int64, clock: any Clock<Duration> = ContinuousClock()) {
        self.latest = latest
        self.clock = clock
    }

    func publish(_ sequence: Int64) {
        latest = max(latest, sequence)
        let ready = waiters.filter { $0.after < latest }
        waiters.removeAll { $0.after < latest }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Returns once an update newer than `after` exists, or after `timeout`.
    func wait(after: Int64, timeout: Duration) async {
        if latest > after { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.suspend(after: after) }
            group.addTask { [clock] in try? await clock.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
            await self.wakeAll(after: after)
        }
    }

    private func suspend(after: Int64) async {
        if latest > after || Task.isCancelled { return }
        await withCheckedContinuation { waiters.append((after, $0)) }
    }

    /// Releases waiters of a finished wait (its timeout won); they re-check on their own.
    private func wakeAll(after: Int64) {
        let mine = waiters.filter { $0.after == after }
        waiters.removeAll { $0.after == after }
        for waiter in mine { waiter.continuation.resume() }
    }
}

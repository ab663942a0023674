import TarmacModel
import TarmacStore

/// The live event feed of an app: every machine event, in the store's order, from any
/// point a client last saw. Gap-free and duplicate-free because a client resumes from the
/// sequence of the last event it received and the store hands out sequences in commit order.
extension Control {
    /// The most events one read returns; a client behind by more gets the rest on the next read.
    public static let appEventBatch = 500

    /// Events of the app's machines after `after`, oldest first.
    public func appEvents(app: String, after: Int64, limit: Int = appEventBatch) async throws -> [AppEvent] {
        guard after >= 0 else { throw ControlError(.badRequest, "after: must be a sequence number ≥ 0, got \(after)") }
        guard (1...Self.appEventBatch).contains(limit) else {
            throw ControlError(.badRequest, "limit: must be between 1 and \(Self.appEventBatch), got \(limit)")
        }
        _ = try await appRecord(app)
        return try await store.appEvents(appName: app, after: after, limit: limit)
    }

    /// The newest `limit` events of the app's machines, oldest first (what a follower shows
    /// before it follows from the last one).
    public func recentAppEvents(app: String, limit: Int) async throws -> [AppEvent] {
        guard (1...Self.appEventBatch).contains(limit) else {
            throw ControlError(.badRequest, "tail: must be between 1 and \(Self.appEventBatch), got \(limit)")
        }
        _ = try await appRecord(app)
        return try await store.recentAppEvents(appName: app, limit: limit)
    }

    /// Where a follower starts: after `after` when given, else after the newest event (only
    /// what happens from now on). Checks that the app exists.
    public func appEventCursor(app: String, after: Int64?) async throws -> Int64 {
        if let after, after < 0 { throw ControlError(.badRequest, "the last event id must be a sequence number ≥ 0, got \(after)") }
        _ = try await appRecord(app)
        if let after { return after }
        return try await store.lastEventSequence()
    }

    /// Waits until the app has events after `after` and returns them, or returns none once
    /// `timeout` has passed. Woken by every machine change; the store is read again at the
    /// end of each wait, so an event whose change notification was missed is late, never lost.
    public func nextAppEvents(app: String, after: Int64, timeout: Duration) async throws -> [AppEvent] {
        let store = store
        return try await waits.wait(machineID: WaitRegistry.anyMachine, timeout: timeout) {
            let events = try await store.appEvents(appName: app, after: after, limit: Self.appEventBatch)
            return events.isEmpty ? nil : events
        } ?? []
    }

    /// Follows the app's events after `after` until cancelled or `handle` throws: `handle`
    /// gets each batch in order, and an empty one whenever `idle` passed without events (for
    /// keep-alives).
    public func followAppEvents(app: String, after start: Int64, idle: Duration, _ handle: ([AppEvent]) async throws -> Void) async throws {
        var cursor = start
        while !Task.isCancelled {
            let events = try await nextAppEvents(app: app, after: cursor, timeout: idle)
            try await handle(events)
            if let last = events.last { cursor = last.sequence }
        }
    }
}


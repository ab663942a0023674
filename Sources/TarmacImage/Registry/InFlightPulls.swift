/// The pulls running in this process, keyed by store and reference: a second caller asking
/// for an image that is being pulled awaits the same result instead of pulling it again.
actor InFlightPulls {
    private var running: [String: Task<ImageRecord, any Error>] = [:]

    /// Runs `operation` unless one for `key` is running, in which case its result is awaited.
    /// The task is owned by this table and awaited by every caller; it is removed when done.
    /// Cancelling one caller does not cancel a pull others still await.
    func run(_ key: String, _ operation: @escaping @Sendable () async throws -> ImageRecord) async throws -> ImageRecord {
        if let existing = running[key] {
            return try await existing.value
        }
        let task = Task { try await operation() }
        running[key] = task
        defer { running[key] = nil }
        return try await task.value
    }
}

/// Progress of a long operation on stderr: an animated spinner with elapsed time when
/// stderr is a terminal, plain start and end lines otherwise (logs, CI).
struct Progress {
    var isTerminal: Bool = Console.stderrIsTerminal
    var clock = ContinuousClock()

    static let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    /// Runs `operation` while showing `message` (e.g. "waiting for machine X to start").
    /// The spinner is a child task that ends with the operation; nothing outlives the call.
    func run<T>(_ message: String, operation: () async throws -> T) async throws -> T {
        let start = clock.now
        guard isTerminal else {
            Console.error("\(message)…")
            return try await operation()
        }
        let clock = self.clock
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var frame = 0
                while !Task.isCancelled {
                    let elapsed = TimeFormatting.elapsed(clock.now - start)
                    Console.writeError("\r\(Self.frames[frame % Self.frames.count]) \(message)… \(elapsed)\u{1B}[K")
                    frame += 1
                    try? await Task.sleep(for: .milliseconds(100))
                }
                Console.writeError("\r\u{1B}[K")
            }
            do {
                let result = try await operation()
                group.cancelAll()
                try await group.waitForAll()
                return result
            } catch {
                group.cancelAll()
                try? await group.waitForAll()
                throw error
            }
        }
    }

    /// A final line such as "machine X is started (2.3s)".
    func finish(_ message: String, since start: ContinuousClock.Instant) {
        Console.error("\(message) (\(TimeFormatting.elapsed(clock.now - start)))")
    }
}

import Synchronization

/// Cancels one piece of work running in a child task of a long-lived task group, which
/// cannot cancel a single child: `run` races the work against `cancel()` in a group of its
/// own and cancels the work's task (real task cancellation, so a download or a boot stops)
/// when `cancel()` comes first. The result is always the work's own: work that finished
/// regardless (a VM that booted anyway) is reported as such, so nothing it made is lost.
public final class CancelSignal: Sendable {
    private let stream: AsyncStream<Never>
    private let continuation: AsyncStream<Never>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Never.self)
    }

    public func cancel() { continuation.finish() }

    /// Runs `work` until it returns; `fallback` only answers if the work's task ended without
    /// producing a value (it cannot, as `work` does not throw).
    public func run<Result: Sendable>(_ work: @escaping @Sendable () async -> Result, fallback: @escaping @Sendable () -> Result) async -> Result {
        await withTaskGroup(of: Result?.self) { group in
            group.addTask { await work() }
            group.addTask {
                for await _ in self.stream {}
                return nil
            }
            var result: Result?
            for await next in group {
                if let next { result = next }
                // Either the work is done (stop waiting for a cancel) or a cancel came (cancel
                // the work and wait for what it returns).
                group.cancelAll()
            }
            return result ?? fallback()
        }
    }
}

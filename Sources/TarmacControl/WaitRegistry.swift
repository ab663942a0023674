import Synchronization

/// Wakes `wait` long-polls when a machine's stored view changes. Many concurrent waits per
/// machine are fine (flyctl issues three at once during deploys).
public final class WaitRegistry: Sendable {
    private struct Subscriber {
        var machineID: String
        var continuation: AsyncStream<Void>.Continuation
    }

    private let subscribers = Mutex<[Int: Subscriber]>([:])
    private let counter = Atomic<Int>(0)
    private let clock: any Clock<Duration>

    /// `clock` measures the waits' timeouts.
    public init(clock: any Clock<Duration> = ContinuousClock()) {
        self.clock = clock
    }

    /// Calls `check` now and after every change of the machine until it returns a value or
    /// `timeout` passes (nil then).
    public func wait<T: Sendable>(machineID: String, timeout: Duration, check: @escaping @Sendable () async throws -> T?) async throws -> T? {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let key = counter.wrappingAdd(1, ordering: .relaxed).newValue
        subscribers.withLock { $0[key] = Subscriber(machineID: machineID, continuation: continuation) }
        defer {
            subscribers.withLock { $0[key] = nil }
            continuation.finish()
        }
        if let value = try await check() { return value }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                for await _ in stream {
                    if let value = try await check() { return value }
                }
                return nil
            }
            group.addTask { [clock] in
                try await clock.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Subscribes to changes of every machine (the app event feeds).
    public static let anyMachine = "*"

    public func notify(machineID: String) {
        subscribers.withLock { subscribers in
            for subscriber in subscribers.values where subscriber.machineID == machineID || subscriber.machineID == Self.anyMachine {
                subscriber.continuation.yield()
            }
        }
    }
}

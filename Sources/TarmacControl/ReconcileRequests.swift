import Synchronization

/// Per-host "reconcile soon" requests: any number of requests made while one is pending
/// collapse into one pass. Each connection of a host subscribes anew; the newest
/// subscription is the one served (an older one's stream ends).
final class ReconcileRequests: Sendable {
    private let continuations = Mutex<[String: AsyncStream<Void>.Continuation]>([:])

    func request(_ hostID: String) {
        _ = continuations.withLock { $0[hostID] }?.yield()
    }

    /// The requests for one host, for its single reconcile loop; a request is pending at once
    /// (a new connection reconciles).
    func subscribe(_ hostID: String) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let previous = continuations.withLock { continuations in
            defer { continuations[hostID] = continuation }
            return continuations[hostID]
        }
        previous?.finish()
        return stream
    }
}

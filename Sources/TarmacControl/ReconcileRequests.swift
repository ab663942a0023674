import Synchronization

/// Per-host "reconcile soon" requests: any number of requests made while one is pending
/// collapse into one pass.
final class ReconcileRequests: Sendable {
    private let streams: [String: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation)]

    init(hostIDs: [String]) {
        var streams: [String: (AsyncStream<Void>, AsyncStream<Void>.Continuation)] = [:]
        for id in hostIDs { streams[id] = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1)) }
        self.streams = streams
    }

    func request(_ hostID: String) {
        streams[hostID]?.continuation.yield()
    }

    /// The requests for one host, for its single reconcile loop.
    func requests(for hostID: String) -> AsyncStream<Void>? { streams[hostID]?.stream }
}

/// Tells the webhook dispatcher about webhooks created through the API, so it starts
/// delivering to them at once (deleted ones stop on their own: the dispatcher re-reads
/// each webhook before every delivery). One consumer: the dispatcher.
public final class WebhookSignal: Sendable {
    public let additions: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    public init() {
        (additions, continuation) = AsyncStream.makeStream(of: String.self)
    }

    func added(_ id: String) { continuation.yield(id) }
}

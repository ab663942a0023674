/// Parameters of `GET …/wait`.
public struct WaitOptions: Sendable, Hashable {
    /// Target states (`started`, `stopped`, `suspended`, `destroyed`, `failed`, `settled`); sent as repeated `state=`.
    public var states: [String]
    /// Seconds the server waits before answering 408; the server accepts 1–60.
    public var timeoutSeconds: Int
    /// Wait for this instance (`instance_id`) to reach the state.
    public var version: String?
    /// Wait for a transition after this event.
    public var fromEventID: String?

    public init(states: [String] = ["started"], timeoutSeconds: Int = 60, version: String? = nil, fromEventID: String? = nil) {
        self.states = states
        self.timeoutSeconds = timeoutSeconds
        self.version = version
        self.fromEventID = fromEventID
    }

    var queryItems: [APIRequest.QueryItem] {
        var items = states.map { APIRequest.QueryItem("state", $0) }
        items.append(.init("timeout", String(timeoutSeconds)))
        if let version { items.append(.init("version", version)) }
        if let fromEventID { items.append(.init("from_event_id", fromEventID)) }
        return items
    }
}

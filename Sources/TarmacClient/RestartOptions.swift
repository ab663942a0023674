/// Query of `POST …/restart`.
public struct RestartOptions: Sendable, Hashable {
    public var signal: String?
    /// Go duration (`10s`) the machine gets to stop before it is killed.
    public var timeout: String?
    public var forceStop: Bool = false

    public init(signal: String? = nil, timeout: String? = nil, forceStop: Bool = false) {
        self.signal = signal
        self.timeout = timeout
        self.forceStop = forceStop
    }

    var queryItems: [APIRequest.QueryItem] {
        var items: [APIRequest.QueryItem] = []
        if let signal { items.append(.init("signal", signal)) }
        if let timeout { items.append(.init("timeout", timeout)) }
        if forceStop { items.append(.init("force_stop", "true")) }
        return items
    }
}

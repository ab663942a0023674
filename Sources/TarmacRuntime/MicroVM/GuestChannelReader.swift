import TarmacGuestProtocol

/// What the reader thread of a `GuestChannel` does: the hello exchange, then decoding
/// frames and handing answers to their waiters until the socket ends. Blocking code, run on
/// a thread of its own so that a read that waits for minutes never occupies a thread of the
/// concurrency pool.
struct GuestChannelReader: Sendable {
    enum Handshake: Sendable {
        case ready(mainPID: Int32)
        /// The socket ended before the guest answered (QEMU went away, or refused us).
        case closed
        case timedOut
        case incompatible(version: UInt16)
    }

    /// How often the host repeats its hello while the guest stays silent. Longer than the
    /// guest's stalled-frame timeout, so a repeat reaches a guest that dropped a dead
    /// session's partial frame.
    static let helloInterval: Duration = .milliseconds(2_000)

    let socket: GuestSocket
    let requests: GuestRequests

    /// Sends hello (again every `helloInterval`) until the guest answers or `deadline`.
    func handshake(deadline: ContinuousClock.Instant, decoder: inout GuestStreamDecoder) -> Handshake {
        let clock = ContinuousClock()
        var nextHello = clock.now
        while true {
            let now = clock.now
            if now >= deadline { return .timedOut }
            if now >= nextHello {
                do {
                    try socket.send(GuestMessage.hello(version: GuestProtocol.version, mainPID: 0).syncFramed())
                } catch {
                    return .closed
                }
                nextHello = now + Self.helloInterval
            }
            let wait = min(nextHello, deadline) - now
            guard let bytes = socket.receive(timeoutMilliseconds: Self.milliseconds(wait)) else { return .closed }
            decoder.append(bytes)
            while let payload = decoder.next() {
                guard case .hello(let version, let pid)? = try? GuestMessage(decoding: payload) else { continue }
                guard version == GuestProtocol.version else { return .incompatible(version: version) }
                return .ready(mainPID: pid)
            }
        }
    }

    /// Delivers messages until the socket ends, then fails whatever still waits and closes it.
    func run(decoder initial: GuestStreamDecoder) {
        var decoder = initial
        defer {
            requests.end(RuntimeError(.notRunning, "the guest's control channel closed (the machine stopped, or another agent connected)"))
            socket.finish()
        }
        while true {
            deliver(&decoder)
            guard let bytes = socket.receive(timeoutMilliseconds: -1), !bytes.isEmpty else { return }
            decoder.append(bytes)
        }
    }

    private func deliver(_ decoder: inout GuestStreamDecoder) {
        while let payload = decoder.next() {
            // A frame that does not decode is skipped; its waiter (if any) fails when the channel ends.
            guard let message = try? GuestMessage(decoding: payload) else { continue }
            requests.deliver(message)
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let total = seconds * 1_000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(1, total))
    }
}

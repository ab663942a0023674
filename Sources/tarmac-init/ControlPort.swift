import Glibc
import TarmacGuestProtocol

/// The guest's end of the `tarmac.control` virtio-serial port.
///
/// The port outlives host connections: agents come and go while the VM runs. The kernel
/// tells the guest little about that: reads return 0 and poll reports POLLHUP while no host
/// is connected, and SIGIO (requested with O_ASYNC) arrives on every change, but also for
/// plain data, and a quick reconnect can go unseen. So a session starts only at a host
/// `hello` behind the sync marker (`GuestStreamDecoder` skips anything before it), every
/// disconnect seen drops the session's buffered input and output, and a partial frame
/// that stalls for `stallTimeout` is dropped (a dead agent's half-written frame must not
/// swallow the next agent's hello; the host repeats its hello every 2 s until answered).
///
/// Never blocks: the descriptor is non-blocking and output waits in a queue for POLLOUT.
struct ControlPort {
    static let stallTimeout: Duration = .seconds(1)
    /// While disconnected, how often to look again in case a SIGIO was missed.
    static let recheckInterval: Duration = .seconds(1)
    /// Output beyond this (a host that stopped reading) ends the session.
    static let outputLimit = 48 << 20
    /// See `nudgeUntil`.
    static let nudgeWindow: Duration = .seconds(2)
    static let nudgeInterval: Duration = .milliseconds(10)

    let fd: Int32
    private(set) var connected = false
    /// Bumped on every host hello; answers for an older session are dropped.
    private(set) var session = 0
    /// Whether the current connection has said hello (requests are served only then).
    private(set) var greeted = false
    private var decoder = GuestStreamDecoder()
    private var output: [UInt8] = []
    private var lastInput = ContinuousClock.now
    private var lastCheck = ContinuousClock.now
    /// Until then (and until a host says hello), wake every `nudgeInterval`. QEMU reads a
    /// chardev only while the guest can take input, and re-checks that only when its main
    /// loop wakes; a host that connected before the guest opened the port has its hello
    /// waiting in the socket, and an idle guest may not cause a wake-up for seconds. Each
    /// guest timer expiry wakes QEMU's main loop, which then delivers the hello.
    private var nudgeUntil: ContinuousClock.Instant?

    static func open(_ device: String) -> ControlPort? {
        let fd = Glibc.open(device, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            Console.error("cannot open the control port \(device): \(String(cString: strerror(errno)))")
            return nil
        }
        _ = fcntl(fd, F_SETOWN, getpid())
        _ = fcntl(fd, F_SETFL, O_NONBLOCK | O_ASYNC)
        var port = ControlPort(fd: fd)
        port.refresh()
        port.nudgeUntil = ContinuousClock.now + Self.nudgeWindow
        return port
    }

    private init(fd: Int32) { self.fd = fd }

    /// Looks at the connection state now (on SIGIO, and periodically while disconnected).
    mutating func refresh() {
        lastCheck = ContinuousClock.now
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 0) >= 0 else { return }
        let nowConnected = poller.revents & Int16(POLLHUP) == 0
        if nowConnected != connected {
            connected = nowConnected
            dropSession()
            if connected { nudgeUntil = lastCheck + Self.nudgeWindow }
            Console.debug(connected ? "host connected to the control port" : "host left the control port")
        }
    }

    /// Events to poll for; nil when the descriptor must not be polled (disconnected: it
    /// would report POLLHUP continuously).
    var pollEvents: Int16? {
        guard connected else { return nil }
        return Int16(POLLIN) | (output.isEmpty ? 0 : Int16(POLLOUT))
    }

    var hasOutput: Bool { connected && !output.isEmpty }

    /// When the loop must wake for this port even without events.
    var nextDeadline: ContinuousClock.Instant? {
        let now = ContinuousClock.now
        if !greeted, let nudgeUntil, now < nudgeUntil { return now + Self.nudgeInterval }
        if !connected { return lastCheck + Self.recheckInterval }
        if decoder.hasPartialFrame { return lastInput + Self.stallTimeout }
        return nil
    }

    /// Handles poll results and returns the complete messages that arrived.
    mutating func handle(_ events: Int16) -> [GuestMessage] {
        if events & Int16(POLLHUP) != 0 {
            connected = false
            dropSession()
            Console.debug("host left the control port")
            return []
        }
        var messages: [GuestMessage] = []
        if events & Int16(POLLIN) != 0 {
            readAvailable()
            while let payload = decoder.next() {
                guard let message = try? GuestMessage(decoding: payload) else {
                    decoder.reset()
                    continue
                }
                if case .hello = message {} else if !greeted { continue }
                messages.append(message)
            }
        }
        if events & Int16(POLLOUT) != 0 { flush() }
        return messages
    }

    /// Timers: drop a stalled partial frame; recheck the connection while disconnected.
    mutating func tick(now: ContinuousClock.Instant) {
        if !connected {
            if now >= lastCheck + Self.recheckInterval { refresh() }
        } else if decoder.hasPartialFrame && now >= lastInput + Self.stallTimeout {
            Console.debug("dropping a stalled partial frame on the control port")
            decoder.reset()
        }
    }

    /// A host said hello: a new session starts, answered with init's own hello.
    mutating func greet(mainPID: Int32) {
        session += 1
        greeted = true
        output = GuestMessage.hello(version: GuestProtocol.version, mainPID: mainPID).syncFramed()
        flush()
    }

    /// Queues `message` for the host, if `session` is still the current one.
    mutating func send(_ message: GuestMessage, session: Int) {
        guard connected, greeted, session == self.session else { return }
        output += message.framed()
        if output.count > Self.outputLimit {
            Console.error("the host does not read the control port; ending the session")
            dropSession()
            return
        }
        flush()
    }

    /// Writes queued output until the port would block.
    mutating func flush() {
        var offset = 0
        while offset < output.count {
            let written = output.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        output.removeFirst(offset)
    }

    private mutating func readAvailable() {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                decoder.append(buffer.prefix(count))
                lastInput = ContinuousClock.now
            } else if count < 0 && errno == EINTR {
                continue
            } else if count == 0 {
                // No data and no host: the host went away.
                connected = false
                dropSession()
                Console.debug("host left the control port")
                return
            } else {
                return
            }
        }
    }

    private mutating func dropSession() {
        decoder.reset()
        output.removeAll()
        greeted = false
        lastCheck = ContinuousClock.now
    }
}

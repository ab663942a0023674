import NIOCore
import TarmacGuestProtocol

/// The agent's end of a microVM's control channel: a unix-socket client of QEMU's
/// `tarmac.control` virtio-serial chardev, speaking `GuestMessage` to `tarmac-init`.
///
/// Requests carry ids, so several can be in flight (a long exec does not hold up a signal).
/// A channel is one session: when the socket ends (QEMU exits, the guest powers off),
/// every waiting and later request fails with `.notRunning`; connect again for a new one.
/// Reconnecting is safe while the VM runs: both sides find the start of the new session
/// behind a sync marker (see `GuestStreamDecoder`).
///
/// Lifetime: the session is a SwiftNIO channel on the process-wide event loop group, so a
/// channel costs no thread and waiting for the guest blocks nothing. It ends when the
/// socket does; `close()` (or the channel's deinit) closes it. Prefer
/// `withGuestChannel(socketPath:timeout:_:)`, which closes for you.
public actor GuestChannel {
    /// Pid of the machine's main process in the guest, from the guest's hello (0 if init
    /// had not started it yet, e.g. while still booting or after it failed to start).
    public nonisolated let mainPID: Int32

    private let channel: any Channel
    private let requests: GuestRequests

    private init(mainPID: Int32, channel: any Channel, requests: GuestRequests) {
        self.mainPID = mainPID
        self.channel = channel
        self.requests = requests
    }

    deinit { channel.close(promise: nil) }

    /// Connects to the control socket and completes the hello exchange, retrying until
    /// `timeout` has passed (QEMU may not have created the socket yet, the guest may still
    /// be booting). Throws `.startFailed` when the guest never answered, `.unsupported` for
    /// a guest speaking another protocol version.
    public static func connect(socketPath: String, timeout: Duration) async throws -> GuestChannel {
        let deadline = ContinuousClock.now + timeout
        let loop = UnixStreamConnector.nextLoop()
        var problem = "nothing listens on \(socketPath)"
        while ContinuousClock.now < deadline {
            let requests = GuestRequests()
            let handshake = loop.makePromise(of: GuestChannelHandler.Handshake.self)
            let helloDeadline = NIODeadline.now() + TimeAmount(deadline - ContinuousClock.now)
            let channel: any Channel
            do {
                channel = try await UnixStreamConnector.connect(path: socketPath, deadline: deadline, on: loop) { channel in
                    try channel.pipeline.syncOperations.addHandler(GuestChannelHandler(requests: requests, handshake: handshake, deadline: helloDeadline))
                }
            } catch {
                handshake.fail(error)
                guard let error = error as? RuntimeError, error.code == .notRunning else { throw error }
                problem = error.message
                break
            }
            let outcome = try await withTaskCancellationHandler {
                try await handshake.futureResult.get()
            } onCancel: {
                channel.close(promise: nil)
            }
            switch outcome {
            case .ready(let mainPID):
                return GuestChannel(mainPID: mainPID, channel: channel, requests: requests)
            case .incompatible(let version):
                throw RuntimeError(.unsupported, "the guest's init speaks protocol version \(version); this agent speaks \(GuestProtocol.version) (rebuild the guest image)")
            case .timedOut:
                problem = "connected to \(socketPath) but the guest's init never answered (still booting, or another agent holds the channel)"
            case .closed:
                try Task.checkCancellation()
                problem = "\(socketPath) closed the connection before the guest's init answered"
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        throw RuntimeError(.startFailed, "no guest on the control channel within \(timeout): \(problem)")
    }

    /// Runs a command in the guest and waits for it (the guest enforces the request's timeout).
    public func exec(_ request: GuestExecRequest) async throws -> GuestExecResult {
        switch try await send({ .exec(id: $0, request) }) {
        case .execResult(_, let result): return result
        case .failure(_, let message): throw RuntimeError(.internalError, "exec in the guest failed: \(message)")
        case let other: throw unexpected(other)
        }
    }

    /// Sends `signal` to the machine's main process. `.notRunning` when it has ended.
    public func signal(_ signal: Int32) async throws {
        switch try await send({ .signal(id: $0, signal: signal) }) {
        case .ok: return
        case .failure(_, let message): throw RuntimeError(.notRunning, message)
        case let other: throw unexpected(other)
        }
    }

    /// The guest's processes (from its /proc).
    public func processes() async throws -> [GuestProcess] {
        switch try await send({ .listProcesses(id: $0) }) {
        case .processes(_, let list): return list
        case .failure(_, let message): throw RuntimeError(.internalError, "listing the guest's processes failed: \(message)")
        case let other: throw unexpected(other)
        }
    }

    /// Whether the main process runs, its pid, and how it ended if it has.
    public func status() async throws -> (running: Bool, pid: Int32, exit: GuestExit?) {
        switch try await send({ .status(id: $0) }) {
        case .mainStatus(_, let running, let pid, let exit): return (running, pid, exit)
        case .failure(_, let message): throw RuntimeError(.internalError, "guest status failed: \(message)")
        case let other: throw unexpected(other)
        }
    }

    /// Asks init to stop every process, sync, unmount and power off. Returns once the guest
    /// acknowledged; QEMU exits shortly after (it runs with `-no-reboot`).
    public func poweroff() async throws {
        switch try await send({ .poweroff(id: $0) }) {
        case .ok: return
        case .failure(_, let message): throw RuntimeError(.internalError, "guest poweroff failed: \(message)")
        case let other: throw unexpected(other)
        }
    }

    /// Waits until the guest reports that the main process ended (sent on the channel right
    /// before init powers off). Throws `.notRunning` if the channel ends first; the exit
    /// port's file (`ExitReport`) is the record to read then.
    public func waitForExit() async throws -> GuestExit {
        let id = requests.reserveID()
        let requests = requests
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                requests.registerExitWaiter(id, continuation)
            }
        } onCancel: {
            requests.cancelExitWaiter(id)
        }
    }

    /// The main process's exit, if the guest already reported it on this channel.
    public var reportedExit: GuestExit? { requests.exit }

    /// Opens an interactive session on a new terminal in the guest: its id (for `post`ing
    /// input, resizes and the hang-up) and the stream of what its terminal prints.
    public func openConsole(_ request: GuestTTYRequest) async throws -> (id: UInt32, events: AsyncStream<ConsoleEvent>) {
        var opened: (UInt32, AsyncStream<ConsoleEvent>)?
        let answer = try await send { id in
            opened = (id, requests.openConsole(id))
            return .ttyOpen(id: id, request)
        }
        guard let (id, events) = opened else { throw RuntimeError(.internalError, "the console request was not sent") }
        switch answer {
        case .ok: return (id, events)
        case .failure(_, let message):
            requests.closeConsole(id)
            throw RuntimeError(.startFailed, message)
        case let other:
            requests.closeConsole(id)
            throw unexpected(other)
        }
    }

    /// Sends a message that has no answer (console input, resize, hang-up); lost if the
    /// channel has ended, which the console's stream then reports by ending.
    public nonisolated func post(_ message: GuestMessage) {
        channel.writeAndFlush(ByteBuffer(bytes: message.framed()), promise: nil)
    }

    /// Ends the session: waiting requests fail with `.notRunning`.
    public func close() {
        channel.close(promise: nil)
    }

    /// One request/answer exchange: the frame is queued on the channel (frames never
    /// interleave) and the answer awaited without holding a thread.
    private func send(_ make: (UInt32) -> GuestMessage) async throws -> GuestMessage {
        let id = requests.reserveID()
        let frame = make(id).framed()
        let requests = requests
        let channel = channel
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard requests.register(id, continuation) else { return }
                let written = channel.eventLoop.makePromise(of: Void.self)
                written.futureResult.whenFailure { error in
                    requests.fail(id, RuntimeError(.notRunning, "the guest's control channel is closed (\(error))"))
                }
                channel.writeAndFlush(ByteBuffer(bytes: frame), promise: written)
            }
        } onCancel: {
            requests.cancel(id)
        }
    }

    private func unexpected(_ message: GuestMessage) -> RuntimeError {
        RuntimeError(.internalError, "unexpected answer from the guest: \(message)")
    }
}

/// Connects (see `GuestChannel.connect`), runs `body`, and closes the channel however
/// `body` ends.
public func withGuestChannel<Result: Sendable>(
    socketPath: String, timeout: Duration,
    _ body: (GuestChannel) async throws -> Result
) async throws -> Result {
    let channel = try await GuestChannel.connect(socketPath: socketPath, timeout: timeout)
    do {
        let result = try await body(channel)
        await channel.close()
        return result
    } catch {
        await channel.close()
        throw error
    }
}

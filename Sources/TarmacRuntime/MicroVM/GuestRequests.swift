import Synchronization
import TarmacGuestProtocol

/// Requests in flight on a guest channel, keyed by id, and the main process's exit once
/// the guest reported it. Filled by callers, answered from the channel's event loop; a `Mutex`
/// rather than an actor so the event loop and cancellation handlers can resume
/// continuations synchronously.
final class GuestRequests: Sendable {
    typealias Waiter = CheckedContinuation<GuestMessage, any Error>

    private struct State {
        var nextID: UInt32 = 1
        var waiting: [UInt32: Waiter] = [:]
        /// Ids cancelled before their waiter was registered.
        var cancelled: Set<UInt32> = []
        var exitWaiters: [UInt32: CheckedContinuation<GuestExit, any Error>] = [:]
        var exit: GuestExit?
        /// Interactive sessions: where their `ttyOutput` and `ttyExit` go.
        var consoles: [UInt32: AsyncStream<ConsoleEvent>.Continuation] = [:]
        /// Set once the channel ended; every later request fails with it.
        var ended: RuntimeError?
    }

    private let state = Mutex(State())

    func reserveID() -> UInt32 {
        state.withLock { state in
            defer { state.nextID = state.nextID == UInt32.max ? 1 : state.nextID + 1 }
            return state.nextID
        }
    }

    /// Registers the waiter for `id`; false (and the waiter already resumed with the
    /// reason) when the channel has ended or the request was cancelled.
    func register(_ id: UInt32, _ waiter: Waiter) -> Bool {
        let refusal: (any Error)? = state.withLock { state in
            if state.cancelled.remove(id) != nil { return CancellationError() }
            if let ended = state.ended { return ended }
            state.waiting[id] = waiter
            return nil
        }
        if let refusal { waiter.resume(throwing: refusal) }
        return refusal == nil
    }

    /// The stream of an interactive session's terminal, registered before it is opened so
    /// no output is missed. Finished by its `ttyExit`, `closeConsole`, or the channel's end.
    func openConsole(_ id: UInt32) -> AsyncStream<ConsoleEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: ConsoleEvent.self, bufferingPolicy: .unbounded)
        let ended = state.withLock { state in
            if state.ended == nil { state.consoles[id] = continuation }
            return state.ended != nil
        }
        if ended { continuation.finish() }
        return stream
    }

    func closeConsole(_ id: UInt32) {
        state.withLock { $0.consoles.removeValue(forKey: id) }?.finish()
    }

    /// Hands an answer to its waiter; answers nobody waits for (cancelled, or meant for a
    /// previous agent) are dropped.
    func deliver(_ message: GuestMessage) {
        switch message {
        case .ttyOutput(let id, let bytes):
            _ = state.withLock { $0.consoles[id] }?.yield(.output(bytes))
            return
        case .ttyExit(let id, let code, let signal):
            if let console = state.withLock({ $0.consoles.removeValue(forKey: id) }) {
                console.yield(.exit(code: Int(code), signal: Int(signal)))
                console.finish()
            }
            return
        default:
            break
        }
        if case .exited(let exit) = message {
            let waiters = state.withLock { state in
                state.exit = exit
                defer { state.exitWaiters.removeAll() }
                return Array(state.exitWaiters.values)
            }
            for waiter in waiters { waiter.resume(returning: exit) }
            return
        }
        guard let id = message.id else { return }
        state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(returning: message)
    }

    func fail(_ id: UInt32, _ error: any Error) {
        state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(throwing: error)
    }

    func cancel(_ id: UInt32) {
        let waiter: Waiter? = state.withLock { state in
            if let waiter = state.waiting.removeValue(forKey: id) { return waiter }
            state.cancelled.insert(id)
            return nil
        }
        waiter?.resume(throwing: CancellationError())
    }

    /// The main process's exit, once the guest reported it on this channel.
    var exit: GuestExit? { state.withLock { $0.exit } }

    /// Waits for the guest's `exited` report (registered under `id`, for cancellation).
    func registerExitWaiter(_ id: UInt32, _ waiter: CheckedContinuation<GuestExit, any Error>) {
        enum Outcome { case exit(GuestExit), error(any Error), waiting }
        let outcome: Outcome = state.withLock { state in
            if let exit = state.exit { return .exit(exit) }
            if state.cancelled.remove(id) != nil { return .error(CancellationError()) }
            if let ended = state.ended { return .error(ended) }
            state.exitWaiters[id] = waiter
            return .waiting
        }
        switch outcome {
        case .exit(let exit): waiter.resume(returning: exit)
        case .error(let error): waiter.resume(throwing: error)
        case .waiting: break
        }
    }

    func cancelExitWaiter(_ id: UInt32) {
        let waiter: CheckedContinuation<GuestExit, any Error>? = state.withLock { state in
            if let waiter = state.exitWaiters.removeValue(forKey: id) { return waiter }
            state.cancelled.insert(id)
            return nil
        }
        waiter?.resume(throwing: CancellationError())
    }

    /// The channel is gone: fails everything waiting and everything asked later.
    func end(_ error: RuntimeError) {
        let (waiters, exitWaiters, consoles) = state.withLock { state in
            if state.ended == nil { state.ended = error }
            defer {
                state.waiting.removeAll()
                state.exitWaiters.removeAll()
                state.consoles.removeAll()
            }
            return (Array(state.waiting.values), Array(state.exitWaiters.values), Array(state.consoles.values))
        }
        for console in consoles { console.finish() }
        for waiter in waiters { waiter.resume(throwing: error) }
        for waiter in exitWaiters { waiter.resume(throwing: error) }
    }
}

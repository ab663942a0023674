import Foundation
import Synchronization

/// SHA-256 of a byte stream computed on a thread of its own, fed batches from another
/// thread (a ``DiffIDHasher`` on the thread unpacking a layer), so hashing the uncompressed
/// stream runs in parallel with decompressing and extracting it. Blocking by design: both sides are dedicated threads,
/// never cooperative-pool ones. At most `limit` batches wait.
///
/// End it with ``finish()`` or ``abandon()``, exactly once.
final class HashThread: Sendable {
    private struct State {
        var queue: [Data] = []
        var closed = false
        var abandoned = false
    }

    private let state = Mutex(State())
    private let items = DispatchSemaphore(value: 0)
    private let slots: DispatchSemaphore
    private let done = DispatchSemaphore(value: 0)
    private let digest = Mutex<String?>(nil)

    init(limit: Int = 8) {
        slots = DispatchSemaphore(value: limit)
        let thread = Thread { [self] in self.work() }
        thread.name = "tarmac-sha256"
        thread.start()
    }

    /// Queues a batch; blocks while `limit` batches wait.
    func submit(_ batch: Data) {
        slots.wait()
        state.withLock { $0.queue.append(batch) }
        items.signal()
    }

    /// Waits for every batch to be hashed and returns the digest.
    func finish() -> String {
        state.withLock { $0.closed = true }
        items.signal()
        done.wait()
        return digest.withLock { $0 } ?? ""
    }

    /// Stops the thread without a digest.
    func abandon() {
        state.withLock {
            $0.abandoned = true
            $0.closed = true
        }
        items.signal()
    }

    private func work() {
        var counter = DigestCounter()
        while true {
            items.wait()
            let (batch, closed, dropped) = state.withLock { state -> (Data?, Bool, Int?) in
                guard !state.abandoned else {
                    defer { state.queue.removeAll() }
                    return (nil, true, state.queue.count)
                }
                return (state.queue.isEmpty ? nil : state.queue.removeFirst(), state.closed, nil)
            }
            if let dropped {
                // Give back the slots of the batches never hashed: libdispatch traps when a
                // semaphore is released below the value it was created with.
                for _ in 0..<dropped { slots.signal() }
                return
            }
            if let batch {
                counter.update(batch)
                slots.signal()
                continue
            }
            if closed {
                digest.withLock { $0 = counter.finalize() }
                done.signal()
                return
            }
        }
    }
}

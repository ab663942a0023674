import Foundation
import Synchronization

/// Runs a ``DiffIDHasher`` on a thread of its own, fed batches of a layer blob's bytes while
/// the blob downloads, so decompressing and hashing the uncompressed stream runs in parallel
/// with receiving, hashing and writing the compressed one (on two cores a large layer takes
/// about half as long as with both on one task).
///
/// At most `limit` batches wait (about `limit` MiB); ``submit(_:)`` suspends — without
/// blocking a thread — until the worker catches up. ``finish()`` returns the diff id;
/// ``abandon()`` stops the worker (safe to call at any time, also after `finish`). The owner
/// must end every worker with one of them.
final class DiffIDWorker: Sendable {
    private struct State {
        var queue: [Data] = []
        var finished = false
        var abandoned = false
        var producer: CheckedContinuation<Void, Never>?
        var result: Result<String, any Error>?
        var waiter: CheckedContinuation<Result<String, any Error>, Never>?
    }

    private let limit: Int
    private let state = Mutex(State())
    /// Signalled once per queued batch, finish and abandon.
    private let wake = DispatchSemaphore(value: 0)

    /// Starts the worker thread; it holds the hasher until it ends.
    init(_ hasher: DiffIDHasher, limit: Int = 8) {
        self.limit = limit
        // The hasher moves to the thread and is used only there.
        nonisolated(unsafe) let owned = hasher
        let thread = Thread { [self] in self.work(owned) }
        thread.name = "tarmac-diffid"
        thread.start()
    }

    /// Queues the next bytes; suspends while `limit` batches are waiting.
    func submit(_ batch: Data) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let wait = state.withLock { state -> Bool in
                guard !state.abandoned else { return false }
                state.queue.append(batch)
                if state.queue.count > limit {
                    state.producer = continuation
                    return true
                }
                return false
            }
            wake.signal()
            if !wait { continuation.resume() }
        }
    }

    /// The diff id of everything submitted; throws when it was not valid compressed data.
    func finish() async throws -> String {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<String, any Error>, Never>) in
            let ready = state.withLock { state -> Result<String, any Error>? in
                state.finished = true
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            wake.signal()
            if let ready { continuation.resume(returning: ready) }
        }
        return try result.get()
    }

    /// Stops the worker without a result (the download failed or starts again).
    func abandon() {
        let producer = state.withLock { state in
            state.abandoned = true
            state.queue.removeAll()
            defer { state.producer = nil }
            return state.producer
        }
        wake.signal()
        producer?.resume()
    }

    private func work(_ hasher: DiffIDHasher) {
        while true {
            wake.wait()
            while true {
                let (batch, producer, stop) = state.withLock { state -> (Data?, CheckedContinuation<Void, Never>?, Bool) in
                    if state.abandoned { return (nil, nil, true) }
                    guard !state.queue.isEmpty else { return (nil, nil, state.finished) }
                    let batch = state.queue.removeFirst()
                    var producer: CheckedContinuation<Void, Never>?
                    if state.queue.count <= limit / 2 {
                        producer = state.producer
                        state.producer = nil
                    }
                    return (batch, producer, false)
                }
                producer?.resume()
                if let batch {
                    batch.withUnsafeBytes { hasher.update($0) }
                    continue
                }
                if stop { return conclude(hasher) }
                break
            }
        }
    }

    private func conclude(_ hasher: DiffIDHasher) {
        let abandoned = state.withLock { $0.abandoned }
        let result: Result<String, any Error>
        if abandoned {
            hasher.abandon()
            result = .failure(ImageError(.io, "the diff id computation was abandoned"))
        } else {
            result = Result { try hasher.finalize() }
        }
        let waiter = state.withLock { state in
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: result)
    }
}

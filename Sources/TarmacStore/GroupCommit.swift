import GRDB
import Synchronization

/// Group commit for the one SQLite writer: writes that arrive while a transaction is being
/// committed share the next one, so N concurrent writers cost one fsync instead of N. Each
/// write runs in a savepoint of its own, in arrival order: one that throws is rolled back
/// alone and gets its error; the others commit. A caller resumes only after the transaction
/// holding its write has committed (`synchronous = FULL`), so an answer still means durable.
///
/// No task of its own: the first writer to find no batch running drains the queue (its
/// own write included) until it is empty, then returns.
final class GroupCommit: Sendable {
    /// One queued write and, once its batch is done, its outcome.
    final class Job: @unchecked Sendable {
        // @unchecked: `run` and `failure` are touched only by the draining writer, inside the
        // batch's transaction; the waiter reads the outcome after `done`, which orders it.
        let run: (Database) throws -> Void
        var failure: (any Error)?
        private let outcome = Mutex<(finished: Bool, error: (any Error)?, waiter: CheckedContinuation<Void, any Error>?)>((false, nil, nil))

        init(_ run: @escaping (Database) throws -> Void) { self.run = run }

        func done(_ error: (any Error)?) {
            let waiter: CheckedContinuation<Void, any Error>? = outcome.withLock { outcome in
                outcome.finished = true
                outcome.error = error
                defer { outcome.waiter = nil }
                return outcome.waiter
            }
            if let error { waiter?.resume(throwing: error) } else { waiter?.resume() }
        }

        func wait() async throws {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let finished: (Bool, (any Error)?) = outcome.withLock { outcome in
                    if !outcome.finished { outcome.waiter = continuation }
                    return (outcome.finished, outcome.error)
                }
                guard finished.0 else { return }
                if let error = finished.1 { continuation.resume(throwing: error) } else { continuation.resume() }
            }
        }
    }

    /// Largest number of writes in one transaction (bounds a transaction's length).
    static let maximumBatch = 256

    private let pool: DatabasePool
    private let queue = Mutex<(jobs: [Job], draining: Bool)>(([], false))

    init(pool: DatabasePool) { self.pool = pool }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let result = Mutex<T?>(nil)
        let job = Job { db in
            let value = try body(db)
            result.withLock { $0 = value }
        }
        let lead = queue.withLock { queue in
            queue.jobs.append(job)
            guard !queue.draining else { return false }
            queue.draining = true
            return true
        }
        if lead { await drain() }
        try await job.wait()
        guard let value = result.withLock({ $0.take() }) else {
            throw StoreError(.io, "a committed write left no result")
        }
        return value
    }

    /// Commits batches until the queue is empty.
    private func drain() async {
        while true {
            let jobs: [Job] = queue.withLock { queue in
                let taken = Array(queue.jobs.prefix(Self.maximumBatch))
                queue.jobs.removeFirst(taken.count)
                if taken.isEmpty { queue.draining = false }
                return taken
            }
            guard !jobs.isEmpty else { return }
            do {
                try await pool.write { db in
                    for job in jobs {
                        try db.inSavepoint {
                            do {
                                try job.run(db)
                                return .commit
                            } catch {
                                job.failure = error
                                return .rollback
                            }
                        }
                    }
                }
                for job in jobs { job.done(job.failure) }
            } catch {
                // The commit itself failed: nothing of the batch is durable.
                for job in jobs { job.done(error) }
            }
        }
    }
}

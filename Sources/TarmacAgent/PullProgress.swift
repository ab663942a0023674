import Foundation
import Synchronization
import TarmacImage
import TarmacModel

/// Collects a pull's per-layer progress (from many download tasks at once) and turns it into
/// machine events: `launch`/`pulling` while layers download, `launch`/`pulled` at the end.
/// The events carry totals and per-layer counts in `request`, e.g.
/// `{"image": "127.0.0.1:5000/app:v1", "digest": "sha256:…", "layers_done": 1,
/// "layers_total": 3, "bytes_completed": 1048576, "bytes_total": 3145728, "percent": 33}`.
final class PullProgress: Sendable {
    private struct State {
        var completed: [String: Int64] = [:]
        var done: Set<String> = []
        var reused: Set<String> = []
        var lastReported: (Int64, Int)?
        var waiting: String?
    }

    private let pending: PendingPull
    private let started = ContinuousClock.now
    private let state = Mutex(State())

    init(_ pending: PendingPull) {
        self.pending = pending
    }

    /// Receives the pull's progress (called from several tasks at once; never blocks).
    var handler: TransferProgressHandler {
        { [self] event in
            state.withLock { state in
                switch event {
                case .status(let text):
                    state.waiting = text.hasPrefix("waiting") ? text : nil
                case .blob(let progress):
                    state.completed[progress.digest] = progress.completed
                    switch progress.phase {
                    case .done: state.done.insert(progress.digest)
                    case .alreadyPresent:
                        state.done.insert(progress.digest)
                        state.reused.insert(progress.digest)
                    default: break
                    }
                }
            }
        }
    }

    /// A `pulling` event when something changed since the last one (or `force`), else nil.
    func pullingEvent(force: Bool = false) -> MachineEvent? {
        let snapshot: State? = state.withLock { state in
            let now = (state.completed.values.reduce(0, +), state.done.count)
            if !force, let last = state.lastReported, last == now { return nil }
            state.lastReported = now
            return state
        }
        guard let snapshot else { return nil }
        var request = details(snapshot)
        if let waiting = snapshot.waiting { request["message"] = .string(waiting) }
        return Self.event("pulling", request)
    }

    /// The `pulled` event: everything downloaded and verified.
    func pulledEvent() -> MachineEvent {
        let snapshot = state.withLock { $0 }
        var request = details(snapshot)
        request["layers_reused"] = .number(Double(snapshot.reused.count))
        let elapsed = ContinuousClock.now - started
        request["duration_ms"] = .number((Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15).rounded())
        return Self.event("pulled", request)
    }

    private func details(_ snapshot: State) -> [String: JSONValue] {
        let total = pending.layerBytes
        let completed = min(total, snapshot.completed.values.reduce(0, +))
        let percent = total > 0 ? (completed * 100) / total : 100
        return [
            "image": .string(pending.display),
            "digest": .string(pending.digest),
            "layers_done": .number(Double(snapshot.done.count)),
            "layers_total": .number(Double(pending.layerCount)),
            "bytes_completed": .number(Double(completed)),
            "bytes_total": .number(Double(total)),
            "percent": .number(Double(percent)),
        ]
    }

    private static func event(_ status: String, _ request: [String: JSONValue]) -> MachineEvent {
        let now = Date()
        return MachineEvent(id: ULID.make(date: now), type: "launch", status: status, source: "flyd", timestamp: Timestamps.unixMillis(now), request: .object(request))
    }
}

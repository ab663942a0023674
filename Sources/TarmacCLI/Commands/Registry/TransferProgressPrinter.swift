import Foundation
import Synchronization
import TarmacImage

/// Renders pull/push progress on stderr: one redrawn line per blob and a total when stderr is
/// a terminal; otherwise a line when a blob starts, every 25 %, and when it is done.
final class TransferProgressPrinter: Sendable {
    private struct State {
        var order: [String] = []
        var blobs: [String: BlobProgress] = [:]
        var lastStep: [String: Int64] = [:]
        var drawnLines = 0
        var lastDraw = ContinuousClock.now - .seconds(1)
    }

    private let isTerminal: Bool
    private let state = Mutex(State())

    init(isTerminal: Bool = Console.stderrIsTerminal) {
        self.isTerminal = isTerminal
    }

    var handler: TransferProgressHandler {
        { [self] event in self.handle(event) }
    }

    func handle(_ event: TransferEvent) {
        switch event {
        case let .status(message):
            state.withLock { state in
                if isTerminal { Self.clear(&state) }
                Console.error(message)
            }
        case let .blob(progress):
            state.withLock { state in
                if state.blobs[progress.digest] == nil { state.order.append(progress.digest) }
                state.blobs[progress.digest] = progress
                if isTerminal {
                    redraw(&state, force: progress.phase != .transferring)
                } else {
                    log(progress, &state)
                }
            }
        }
    }

    /// Final totals, after the operation.
    func finish(_ verb: String, since start: ContinuousClock.Instant) {
        state.withLock { state in
            if isTerminal { redraw(&state, force: true) }
            let total = state.blobs.values.reduce(Int64(0)) { $0 + $1.total }
            let moved = state.blobs.values.filter { $0.phase == .done }.reduce(Int64(0)) { $0 + $1.total }
            let seconds = Double((ContinuousClock.now - start).components.seconds) + Double((ContinuousClock.now - start).components.attoseconds) / 1e18
            Console.error("\(verb) \(ByteCount.format(moved)) of \(ByteCount.format(total)) in \(state.blobs.count) blobs (\(String(format: "%.1f", seconds))s)")
        }
    }

    private func log(_ progress: BlobProgress, _ state: inout State) {
        let step = progress.total > 0 ? progress.completed * 4 / progress.total : 4
        if progress.phase == .transferring, state.lastStep[progress.digest] == step { return }
        state.lastStep[progress.digest] = step
        Console.error(Self.describe(progress))
    }

    private func redraw(_ state: inout State, force: Bool) {
        guard force || ContinuousClock.now - state.lastDraw > .milliseconds(100) else { return }
        state.lastDraw = .now
        var text = state.drawnLines > 0 ? "\u{1B}[\(state.drawnLines)A" : ""
        var lines = state.order.compactMap { state.blobs[$0] }.map(Self.describe)
        let total = state.blobs.values.reduce(Int64(0)) { $0 + $1.total }
        let completed = state.blobs.values.reduce(Int64(0)) { $0 + $1.completed }
        lines.append("total \(ByteCount.format(completed)) / \(ByteCount.format(total))")
        for line in lines { text += "\r" + line + "\u{1B}[K\n" }
        state.drawnLines = lines.count
        Console.writeError(text)
    }

    private static func clear(_ state: inout State) {
        state.drawnLines = 0
    }

    static func describe(_ progress: BlobProgress) -> String {
        let amounts = "\(ByteCount.format(progress.completed))/\(ByteCount.format(progress.total))"
        switch progress.phase {
        case .transferring: return "\(progress.label): \(bar(progress)) \(amounts)"
        case .resumed: return "\(progress.label): resuming at \(amounts)"
        case .done: return "\(progress.label): done \(ByteCount.format(progress.total))"
        case .alreadyPresent: return "\(progress.label): already present"
        case .mounted: return "\(progress.label): mounted from another repository"
        }
    }

    static func bar(_ progress: BlobProgress, width: Int = 24) -> String {
        let filled = progress.total > 0 ? Int(min(progress.completed, progress.total) * Int64(width) / progress.total) : width
        return "[" + String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled) + "]"
    }
}

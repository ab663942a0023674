/// Progress of one blob (layer or config) of a pull or push.
public struct BlobProgress: Sendable, Hashable {
    public enum Phase: Sendable, Hashable {
        /// Bytes are moving; `completed` counts those on disk (or sent).
        case transferring
        /// Resuming a download; `completed` bytes were already on disk and verified.
        case resumed
        case done
        /// The store (pull) or the registry (push) already had it.
        case alreadyPresent
        /// Push: the registry mounted it from another repository.
        case mounted
    }

    public var digest: String
    /// E.g. "layer 2/3".
    public var label: String
    public var completed: Int64
    public var total: Int64
    public var phase: Phase

    public init(digest: String, label: String, completed: Int64, total: Int64, phase: Phase) {
        self.digest = digest
        self.label = label
        self.completed = completed
        self.total = total
        self.phase = phase
    }
}

/// What a pull or push reports while it runs.
public enum TransferEvent: Sendable, Hashable {
    /// A step such as "resolving 127.0.0.1:5000/app:v1".
    case status(String)
    /// Progress of one blob.
    case blob(BlobProgress)
}

/// Receives a pull's or push's events; called from several tasks at once.
public typealias TransferProgressHandler = @Sendable (TransferEvent) -> Void

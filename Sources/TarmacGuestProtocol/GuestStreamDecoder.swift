/// Frames on a control-channel byte stream that may start with leftovers of an earlier
/// session, and how each side finds the start of the current one.
///
/// A virtio-serial port outlives the host process connected to it: an agent killed in the
/// middle of writing a frame leaves half of it in the guest's buffer, and a guest interrupted
/// in the middle of a frame may finish writing it to the next agent. So every `hello` goes
/// out behind `GuestProtocol.syncMarker` (see `GuestMessage.syncFramed()`), and a decoder
/// that is not *synced* skips everything up to the next marker. A synced decoder reads
/// frames; a length prefix over `GuestProtocol.maxFrame` (the marker's first byte is 0xFF,
/// so a marker where a frame should start is one) drops it back to searching, where the
/// marker is found again. The guest also calls `reset()` when it sees the host disconnect
/// or a partial frame stall, which covers a marker swallowed by a dead session's frame.
///
/// A pure state machine: no I/O, no clock.
public struct GuestStreamDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0
    /// Whether the decoder has seen a marker since the last reset and is reading frames.
    public private(set) var isSynced = false
    /// Bytes skipped while searching for a marker (stale or corrupt input), for diagnostics.
    public private(set) var discardedBytes = 0

    public init() {}

    /// Bytes buffered but not yet returned as frames.
    public var bufferedCount: Int { buffer.count - start }

    /// Whether a frame has begun but not completed (the guest times these out).
    public var hasPartialFrame: Bool { isSynced && bufferedCount > 0 }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Drops everything buffered and searches for the next marker.
    public mutating func reset() {
        discardedBytes += bufferedCount
        buffer.removeAll(keepingCapacity: true)
        start = 0
        isSynced = false
    }

    /// The next complete frame's payload, or nil until more bytes arrive. Never throws:
    /// garbage makes the decoder search for the next marker instead.
    public mutating func next() -> [UInt8]? {
        while true {
            if !isSynced {
                guard skipToMarker() else { return nil }
            }
            guard bufferedCount >= 4 else { return nil }
            let length = buffer[start..<start + 4].reduce(0) { $0 << 8 | Int($1) }
            guard length <= GuestProtocol.maxFrame else {
                // Not a frame start: most likely a new session's marker. Search from here.
                isSynced = false
                continue
            }
            guard bufferedCount >= 4 + length else { return nil }
            let payload = Array(buffer[start + 4..<start + 4 + length])
            start += 4 + length
            return payload
        }
    }

    /// Advances to just past the next marker; keeps a possible marker prefix at the end.
    private mutating func skipToMarker() -> Bool {
        let marker = GuestProtocol.syncMarker
        var index = start
        while index + marker.count <= buffer.count {
            if buffer[index] == marker[0] && buffer[index..<index + marker.count].elementsEqual(marker) {
                discardedBytes += index - start
                start = index + marker.count
                isSynced = true
                return true
            }
            index += 1
        }
        // No whole marker: keep only the tail that could still become one.
        let keep = min(marker.count - 1, bufferedCount)
        discardedBytes += bufferedCount - keep
        start = buffer.count - keep
        return false
    }

    private mutating func compact() {
        if start > 0 && (start == buffer.count || start >= 64 << 10) {
            buffer.removeFirst(start)
            start = 0
        }
    }
}

extension GuestMessage {
    /// The message behind the sync marker: how each side sends `hello`, so the peer can find
    /// the start of the session in a stream that may hold leftovers.
    public func syncFramed() -> [UInt8] {
        GuestProtocol.syncMarker + framed()
    }
}

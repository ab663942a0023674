/// A streaming tar parser: feed it the archive in chunks of any size and it reports each
/// entry, then that entry's content (zero-copy, as slices of the chunk), then its end.
///
/// It is a pure state machine with no I/O, so it runs the same over a file, a pipe from a
/// decompressor or a network body. Handles ustar, GNU (`L`/`K` long names, base-256
/// numbers), PAX (`x` records; `g` global headers are ignored) and old v7 archives.
struct TarReader {
    enum Event {
        case entry(TarEntry)
        case data(UnsafeRawBufferPointer)
        case entryEnd
    }

    private enum Extended {
        case pax, globalPAX, longName, longLink
    }

    private enum State {
        case header
        case extended(Extended, remaining: Int, padding: Int)
        case content(remaining: Int64, padding: Int)
        case skip(Int)
        case finished
    }

    /// Longest extended header (PAX records or GNU long name) accepted, so a hostile
    /// archive cannot make the reader buffer without bound.
    static let extendedLimit = 4 << 20

    private var state: State = .header
    private var partialBlock: [UInt8] = []
    private var collected: [UInt8] = []
    private var pax = PAXHeaders()
    private var longName: [UInt8]?
    private var longLink: [UInt8]?
    private var zeroBlocks = 0
    private var lastEntry = "(start of archive)"

    /// Whether the end-of-archive marker has been read (later bytes are ignored).
    var isFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    mutating func read(_ bytes: UnsafeRawBufferPointer, _ handle: (Event) throws -> Void) throws {
        var offset = 0
        while offset < bytes.count {
            let available = bytes.count - offset
            switch state {
            case .finished:
                return
            case .header:
                if partialBlock.isEmpty, available >= TarHeader.blockSize {
                    let block = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + TarHeader.blockSize)])
                    offset += TarHeader.blockSize
                    try header(block, handle)
                } else {
                    let count = min(TarHeader.blockSize - partialBlock.count, available)
                    partialBlock.append(contentsOf: bytes[offset..<(offset + count)])
                    offset += count
                    if partialBlock.count == TarHeader.blockSize {
                        let block = partialBlock
                        partialBlock.removeAll(keepingCapacity: true)
                        try block.withUnsafeBytes { try header($0, handle) }
                    }
                }
            case .content(let remaining, let padding):
                let count = Int(min(remaining, Int64(available)))
                try handle(.data(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])))
                offset += count
                if remaining == Int64(count) {
                    try handle(.entryEnd)
                    state = padding > 0 ? .skip(padding) : .header
                } else {
                    state = .content(remaining: remaining - Int64(count), padding: padding)
                }
            case .skip(let remaining):
                let count = min(remaining, available)
                offset += count
                state = remaining == count ? .header : .skip(remaining - count)
            case .extended(let kind, let remaining, let padding):
                let count = min(remaining, available)
                collected.append(contentsOf: bytes[offset..<(offset + count)])
                offset += count
                if remaining == count {
                    try finishExtended(kind)
                    state = padding > 0 ? .skip(padding) : .header
                } else {
                    state = .extended(kind, remaining: remaining - count, padding: padding)
                }
            }
        }
    }

    /// Checks that the archive did not stop in the middle of an entry. A missing
    /// end-of-archive marker is tolerated (as GNU tar and Docker do) when the input ends
    /// between entries.
    func finish() throws {
        switch state {
        case .finished:
            return
        case .header where partialBlock.isEmpty && longName == nil && longLink == nil && pax.records.isEmpty:
            return
        default:
            throw ImageError(.corrupt, "the layer archive is truncated: it ends inside entry \"\(lastEntry)\"")
        }
    }

    private mutating func header(_ block: UnsafeRawBufferPointer, _ handle: (Event) throws -> Void) throws {
        if TarHeader.isZero(block) {
            zeroBlocks += 1
            if zeroBlocks == 2 { state = .finished }
            return
        }
        zeroBlocks = 0
        let header: TarHeader
        do {
            header = try TarHeader(block: block)
        } catch let error as ImageError {
            throw ImageError(error.code, "\(error.message) (after entry \"\(lastEntry)\")")
        }
        switch header.typeflag {
        case UInt8(ascii: "x"), UInt8(ascii: "X"):
            try beginExtended(.pax, header)
            return
        case UInt8(ascii: "g"):
            try beginExtended(.globalPAX, header)
            return
        case UInt8(ascii: "L"):
            try beginExtended(.longName, header)
            return
        case UInt8(ascii: "K"):
            try beginExtended(.longLink, header)
            return
        default:
            break
        }
        let name = longName ?? header.name
        var entry = TarEntry(
            path: name, linkTarget: longLink ?? header.linkName,
            kind: TarEntry.kind(typeflag: header.typeflag, name: name),
            mode: header.mode, uid: header.uid, gid: header.gid, size: header.size,
            mtime: .init(seconds: header.mtime, nanoseconds: 0), xattrs: []
        )
        try pax.apply(to: &entry)
        pax = PAXHeaders()
        longName = nil
        longLink = nil
        lastEntry = entry.displayName
        guard entry.size >= 0 else {
            throw ImageError(.corrupt, "entry \"\(entry.displayName)\" has a negative size")
        }
        // Links, directories, devices and FIFOs carry no content whatever their size says.
        let contentSize: Int64
        switch entry.kind {
        case .regular, .unsupported: contentSize = entry.size
        default: contentSize = 0
        }
        try handle(.entry(entry))
        if contentSize == 0 {
            try handle(.entryEnd)
            state = .header
        } else {
            state = .content(remaining: contentSize, padding: Self.padding(contentSize))
        }
    }

    private mutating func beginExtended(_ kind: Extended, _ header: TarHeader) throws {
        guard header.size <= Int64(Self.extendedLimit) else {
            throw ImageError(.corrupt, "an extended tar header after entry \"\(lastEntry)\" is \(header.size) bytes, more than the \(Self.extendedLimit) accepted")
        }
        let size = Int(header.size)
        collected.removeAll(keepingCapacity: true)
        if size == 0 {
            try finishExtended(kind)
            state = .header
        } else {
            state = .extended(kind, remaining: size, padding: Self.padding(header.size))
        }
    }

    private mutating func finishExtended(_ kind: Extended) throws {
        switch kind {
        case .pax:
            let parsed = try PAXHeaders(parsing: collected)
            pax.records.append(contentsOf: parsed.records)
        case .globalPAX:
            break
        case .longName:
            longName = Self.trimmingNULs(collected)
        case .longLink:
            longLink = Self.trimmingNULs(collected)
        }
        collected.removeAll(keepingCapacity: true)
    }

    private static func trimmingNULs(_ bytes: [UInt8]) -> [UInt8] {
        Array(bytes.prefix { $0 != 0 })
    }

    static func padding(_ size: Int64) -> Int {
        let remainder = Int(size % Int64(TarHeader.blockSize))
        return remainder == 0 ? 0 : TarHeader.blockSize - remainder
    }
}

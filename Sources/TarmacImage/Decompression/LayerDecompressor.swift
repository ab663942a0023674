import CTarmacImage

/// Decompresses a gzip or zstd layer in-process, fed in pieces of any size as they arrive
/// (from the network or a file): gzip through ISA-L's igzip, zstd through libzstd. Several
/// concatenated gzip members or zstd frames are one stream, as `gzip -dc` and Docker read them.
///
/// Not thread-safe: one owner feeds it from one task or thread at a time. The decoder state
/// and the output buffer are freed in `deinit`.
final class LayerDecompressor {
    private enum Engine {
        case gzip(UnsafeMutablePointer<inflate_state>)
        case zstd(OpaquePointer)
    }

    /// Bytes handed to the consumer at most per call.
    static let outputSize = 256 << 10
    /// gzip input is gathered into an owned buffer of this size (plus zeroed padding) and
    /// inflated a full buffer at a time: ISA-L mis-decoded (CRC-32 mismatch, at random) when
    /// fed a few bytes at a time straight from the caller's memory.
    static let stageSize = 256 << 10
    private static let padding = 64

    private let engine: Engine
    private let output: UnsafeMutableRawBufferPointer
    private let staged: UnsafeMutableRawBufferPointer
    private var stagedCount = 0
    private let label: String
    private var sawInput = false
    /// zstd: the last `ZSTD_decompressStream` result (0 when a frame ended exactly there).
    private var zstdPending = 0

    /// A decompressor for `compression`; nil for an uncompressed layer. `label` names the layer
    /// in errors.
    static func make(for compression: LayerCompression, label: String) throws -> LayerDecompressor? {
        switch compression {
        case .uncompressed:
            return nil
        case .gzip:
            let state = UnsafeMutablePointer<inflate_state>.allocate(capacity: 1)
            // Zeroed first: isal_inflate_init leaves some fields (used across a member reset)
            // as they were, and uninitialised memory made multi-member streams fail at random.
            state.initialize(to: inflate_state())
            isal_inflate_init(state)
            state.pointee.crc_flag = UInt32(ISAL_GZIP)
            return LayerDecompressor(.gzip(state), label: label)
        case .zstd:
            guard let context = ZSTD_createDCtx() else {
                throw ImageError(.io, "cannot allocate a zstd decoder for \(label)")
            }
            return LayerDecompressor(.zstd(context), label: label)
        }
    }

    private init(_ engine: Engine, label: String) {
        self.engine = engine
        self.label = label
        output = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.outputSize, alignment: 64)
        staged = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.stageSize + Self.padding, alignment: 64)
        staged.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit {
        switch engine {
        case .gzip(let state): state.deallocate()
        case .zstd(let context): ZSTD_freeDCtx(context)
        }
        output.deallocate()
        staged.deallocate()
    }

    /// Decompresses `input`, passing the uncompressed bytes to `consume` (valid only during
    /// the call) in order. Throws `corrupt` when the data is not valid for the compression.
    func decompress(_ input: UnsafeRawBufferPointer, _ consume: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let base = input.baseAddress, !input.isEmpty else { return }
        sawInput = true
        switch engine {
        case .gzip(let state):
            var offset = 0
            while offset < input.count {
                let count = min(Self.stageSize - stagedCount, input.count - offset)
                staged.baseAddress.map { ($0 + stagedCount).copyMemory(from: base + offset, byteCount: count) }
                stagedCount += count
                offset += count
                if stagedCount == Self.stageSize { try inflateStaged(state, consume) }
            }
        case .zstd(let context): try unzstd(context, base, input.count, consume)
        }
    }

    /// Decompresses what is still gathered, then checks that the stream ended where a gzip
    /// member or zstd frame ends (not truncated).
    func finish(_ consume: (UnsafeRawBufferPointer) throws -> Void) throws {
        if case .gzip(let state) = engine, stagedCount > 0 { try inflateStaged(state, consume) }
        let complete: Bool = switch engine {
        case .gzip(let state): sawInput && state.pointee.block_state == ISAL_BLOCK_FINISH
        case .zstd: sawInput && zstdPending == 0
        }
        guard complete else {
            throw ImageError(.corrupt, "\(label) ends in the middle of its compressed data (truncated or not \(kind) data)")
        }
    }

    private var kind: String {
        switch engine {
        case .gzip: "gzip"
        case .zstd: "zstd"
        }
    }

    private func inflateStaged(_ state: UnsafeMutablePointer<inflate_state>, _ consume: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let base = staged.baseAddress else { return }
        let count = stagedCount
        stagedCount = 0
        (base + count).initializeMemory(as: UInt8.self, repeating: 0, count: Self.padding)
        try inflate(state, base.assumingMemoryBound(to: UInt8.self), count, consume)
    }

    private func inflate(
        _ state: UnsafeMutablePointer<inflate_state>, _ base: UnsafeMutablePointer<UInt8>, _ count: Int,
        _ consume: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        state.pointee.next_in = base
        state.pointee.avail_in = UInt32(count)
        while true {
            if state.pointee.block_state == ISAL_BLOCK_FINISH {
                // A member ended; what follows must be another member.
                guard state.pointee.avail_in > 0 else { return }
                isal_inflate_reset(state)
                state.pointee.crc_flag = UInt32(ISAL_GZIP)
            }
            let before = state.pointee.avail_in
            state.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
            state.pointee.avail_out = UInt32(Self.outputSize)
            let status = isal_inflate(state)
            guard status >= 0 else {
                throw ImageError(.corrupt, "\(label) is not valid gzip data (\(Self.isalError(status)))")
            }
            let produced = Self.outputSize - Int(state.pointee.avail_out)
            if produced > 0 { try consume(UnsafeRawBufferPointer(rebasing: output[0..<produced])) }
            let finished = state.pointee.block_state == ISAL_BLOCK_FINISH
            if state.pointee.avail_in == 0 && produced < Self.outputSize && !finished { return }
            if produced == 0 && state.pointee.avail_in == before && !finished {
                throw ImageError(.corrupt, "\(label) is not valid gzip data (the decoder stopped making progress)")
            }
        }
    }

    private func unzstd(
        _ context: OpaquePointer, _ base: UnsafeRawPointer, _ count: Int, _ consume: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var input = ZSTD_inBuffer(src: base, size: count, pos: 0)
        while true {
            var out = ZSTD_outBuffer(dst: output.baseAddress, size: Self.outputSize, pos: 0)
            let result = ZSTD_decompressStream(context, &out, &input)
            if ZSTD_isError(result) != 0 {
                let name = ZSTD_getErrorName(result).map { String(cString: $0) } ?? "error \(result)"
                throw ImageError(.corrupt, "\(label) is not valid zstd data (\(name))")
            }
            zstdPending = result
            if out.pos > 0 { try consume(UnsafeRawBufferPointer(rebasing: output[0..<out.pos])) }
            if input.pos == input.size && out.pos < out.size { return }
        }
    }

    private static func isalError(_ status: Int32) -> String {
        switch status {
        case ISAL_INVALID_BLOCK: "invalid deflate block"
        case ISAL_INVALID_SYMBOL: "invalid deflate symbol"
        case ISAL_INVALID_LOOKBACK: "invalid back-reference distance"
        case ISAL_INVALID_WRAPPER: "invalid gzip header"
        case ISAL_UNSUPPORTED_METHOD: "unsupported compression method"
        case ISAL_INCORRECT_CHECKSUM: "CRC-32 mismatch"
        default: "error \(status)"
        }
    }
}

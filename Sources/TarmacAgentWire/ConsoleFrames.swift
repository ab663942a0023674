import NIOCore
import TarmacAgentProtocol

/// The byte streams of a console on the agent wire: the request body carries the keyboard
/// side, the response body the terminal side, each as frames of a type byte, a 4-byte
/// big-endian length and the payload.
enum ConsoleFrames {
    enum Kind: UInt8 {
        // Keyboard side.
        case input = 1, resize, hangUp
        // Terminal side.
        case output = 11, exit
    }

    /// Largest payload accepted (a paste is cut into frames well below it).
    static let maximumPayload = 1 << 20

    enum Input: Sendable, Hashable {
        case input([UInt8])
        case resize(rows: UInt16, columns: UInt16)
        case hangUp
    }

    static func encode(_ input: Input) -> ByteBuffer {
        switch input {
        case .input(let bytes): frame(.input, bytes)
        case .resize(let rows, let columns): frame(.resize, [UInt8(rows >> 8), UInt8(rows & 0xFF), UInt8(columns >> 8), UInt8(columns & 0xFF)])
        case .hangUp: frame(.hangUp, [])
        }
    }

    static func encode(_ output: AgentConsoleOutput) -> ByteBuffer {
        switch output {
        case .output(let bytes): return frame(.output, bytes)
        case .exit(let code, let signal):
            var payload = ByteBuffer()
            payload.writeInteger(Int32(clamping: code))
            payload.writeInteger(Int32(clamping: signal))
            return frame(.exit, Array(payload.readableBytesView))
        }
    }

    private static func frame(_ kind: Kind, _ payload: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(5 + payload.count)
        buffer.writeInteger(kind.rawValue)
        buffer.writeInteger(UInt32(payload.count))
        buffer.writeBytes(payload)
        return buffer
    }

    /// Splits a byte stream into frames.
    struct Decoder {
        private var pending = ByteBuffer()

        mutating func append(_ buffer: ByteBuffer) {
            var buffer = buffer
            pending.writeBuffer(&buffer)
        }

        /// The next complete frame, nil until more bytes arrive; throws on a malformed stream.
        mutating func next() throws(AgentError) -> (kind: Kind, payload: [UInt8])? {
            guard let rawKind = pending.getInteger(at: pending.readerIndex, as: UInt8.self),
                  let length = pending.getInteger(at: pending.readerIndex + 1, as: UInt32.self) else { return nil }
            guard let kind = Kind(rawValue: rawKind) else { throw AgentError(.invalidArgument, "unknown console frame type \(rawKind)") }
            guard length <= ConsoleFrames.maximumPayload else { throw AgentError(.invalidArgument, "console frame of \(length) bytes exceeds the limit") }
            guard pending.readableBytes >= 5 + Int(length) else { return nil }
            pending.moveReaderIndex(forwardBy: 5)
            let payload = pending.readBytes(length: Int(length)) ?? []
            pending.discardReadBytes()
            return (kind, payload)
        }
    }

    static func input(_ kind: Kind, _ payload: [UInt8]) throws(AgentError) -> Input {
        switch kind {
        case .input: return .input(payload)
        case .resize:
            guard payload.count == 4 else { throw AgentError(.invalidArgument, "a resize frame has 4 bytes, got \(payload.count)") }
            return .resize(rows: UInt16(payload[0]) << 8 | UInt16(payload[1]), columns: UInt16(payload[2]) << 8 | UInt16(payload[3]))
        case .hangUp: return .hangUp
        case .output, .exit: throw AgentError(.invalidArgument, "a terminal frame on the keyboard side")
        }
    }

    static func output(_ kind: Kind, _ payload: [UInt8]) throws(AgentError) -> AgentConsoleOutput {
        switch kind {
        case .output: return .output(payload)
        case .exit:
            guard payload.count == 8 else { throw AgentError(.internalError, "an exit frame has 8 bytes, got \(payload.count)") }
            let buffer = ByteBuffer(bytes: payload)
            return .exit(code: Int(buffer.getInteger(at: 0, as: Int32.self) ?? 0), signal: Int(buffer.getInteger(at: 4, as: Int32.self) ?? 0))
        case .input, .resize, .hangUp: throw AgentError(.internalError, "a keyboard frame on the terminal side")
        }
    }
}

import Foundation
import NIOCore
import NIOHTTP1

/// The frames of an agent's tunnel (`POST /agent-tunnel/v1/connect`): the agent dials the
/// control plane, whose response body carries frames down (requests for the agent) and the
/// agent's request body frames up (the answers). Each frame is a type byte, a 4-byte stream
/// number, a 4-byte length and the payload (all big-endian). Stream 0 is the tunnel's own.
/// Many exchanges share the tunnel at once, each on its own stream number.
public enum TunnelFrame: Sendable, Hashable {
    /// Down, stream 0, first: the control plane accepted the registration.
    case welcome(TunnelWelcome)
    /// Down: a request's head; its body follows as `requestData` frames ended by `requestEnd`.
    case open(UInt32, TunnelRequestHead)
    case requestData(UInt32, ByteBuffer)
    case requestEnd(UInt32)
    /// Down: the control plane gave up on the exchange (deadline, caller gone).
    case cancel(UInt32)
    /// Up: the answer's head, then its body as `responseData` frames ended by `responseEnd`.
    case responseHead(UInt32, TunnelResponseHead)
    case responseData(UInt32, ByteBuffer)
    case responseEnd(UInt32)
    /// Up: the agent could not carry the exchange out (its own HTTP server did not answer).
    case fail(UInt32, String)
    /// Either way, stream 0: keeps the tunnel alive and proves the other side is there.
    case ping
    case pong

    enum Kind: UInt8 {
        case welcome = 1, open, requestData, requestEnd, cancel
        case responseHead = 11, responseData, responseEnd, fail
        case ping = 20, pong
    }

    static let headerSize = 9
    /// Largest payload accepted; bodies are cut into `chunkSize` pieces well below it.
    public static let maximumPayload = 4 << 20
    public static let chunkSize = 256 << 10

    public func encoded() -> ByteBuffer {
        switch self {
        case .welcome(let welcome): Self.frame(.welcome, 0, json: welcome)
        case .open(let stream, let head): Self.frame(.open, stream, json: head)
        case .requestData(let stream, let bytes): Self.frame(.requestData, stream, bytes)
        case .requestEnd(let stream): Self.frame(.requestEnd, stream, ByteBuffer())
        case .cancel(let stream): Self.frame(.cancel, stream, ByteBuffer())
        case .responseHead(let stream, let head): Self.frame(.responseHead, stream, json: head)
        case .responseData(let stream, let bytes): Self.frame(.responseData, stream, bytes)
        case .responseEnd(let stream): Self.frame(.responseEnd, stream, ByteBuffer())
        case .fail(let stream, let message): Self.frame(.fail, stream, ByteBuffer(string: message))
        case .ping: Self.frame(.ping, 0, ByteBuffer())
        case .pong: Self.frame(.pong, 0, ByteBuffer())
        }
    }

    private static func frame(_ kind: Kind, _ stream: UInt32, json value: some Encodable) -> ByteBuffer {
        // These heads hold strings and numbers only: encoding cannot fail.
        let data = (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
        return frame(kind, stream, ByteBuffer(bytes: data))
    }

    private static func frame(_ kind: Kind, _ stream: UInt32, _ payload: ByteBuffer) -> ByteBuffer {
        var payload = payload
        var buffer = ByteBuffer()
        buffer.reserveCapacity(headerSize + payload.readableBytes)
        buffer.writeInteger(kind.rawValue)
        buffer.writeInteger(stream)
        buffer.writeInteger(UInt32(payload.readableBytes))
        buffer.writeBuffer(&payload)
        return buffer
    }

    /// Splits a byte stream into frames.
    public struct Decoder: Sendable {
        private var pending = ByteBuffer()

        public init() {}

        public mutating func append(_ buffer: ByteBuffer) {
            var buffer = buffer
            if pending.readableBytes == 0 {
                pending = buffer
            } else {
                pending.writeBuffer(&buffer)
            }
        }

        /// The next complete frame, nil until more bytes arrive; throws on a malformed stream.
        public mutating func next() throws -> TunnelFrame? {
            let start = pending.readerIndex
            guard let rawKind = pending.getInteger(at: start, as: UInt8.self),
                  let stream = pending.getInteger(at: start + 1, as: UInt32.self),
                  let length = pending.getInteger(at: start + 5, as: UInt32.self) else { return nil }
            guard let kind = Kind(rawValue: rawKind) else { throw AgentTransportError("the tunnel carried an unknown frame type \(rawKind)") }
            guard length <= TunnelFrame.maximumPayload else {
                throw AgentTransportError("the tunnel carried a frame of \(length) bytes, over the \(TunnelFrame.maximumPayload)-byte limit")
            }
            guard pending.readableBytes >= TunnelFrame.headerSize + Int(length) else { return nil }
            pending.moveReaderIndex(forwardBy: TunnelFrame.headerSize)
            guard let payload = pending.readSlice(length: Int(length)) else { return nil }
            let frame = try TunnelFrame.decode(kind, stream, payload)
            if pending.readableBytes == 0 { pending.clear() } else if pending.readerIndex > 1 << 20 { pending.discardReadBytes() }
            return frame
        }
    }

    static func decode(_ kind: Kind, _ stream: UInt32, _ payload: ByteBuffer) throws -> TunnelFrame {
        switch kind {
        case .welcome: return .welcome(try json(TunnelWelcome.self, payload, kind))
        case .open: return .open(stream, try json(TunnelRequestHead.self, payload, kind))
        case .requestData: return .requestData(stream, payload)
        case .requestEnd: return .requestEnd(stream)
        case .cancel: return .cancel(stream)
        case .responseHead: return .responseHead(stream, try json(TunnelResponseHead.self, payload, kind))
        case .responseData: return .responseData(stream, payload)
        case .responseEnd: return .responseEnd(stream)
        case .fail: return .fail(stream, String(buffer: payload))
        case .ping: return .ping
        case .pong: return .pong
        }
    }

    private static func json<Value: Decodable>(_ type: Value.Type, _ payload: ByteBuffer, _ kind: Kind) throws -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(payload.readableBytesView))
        } catch {
            throw AgentTransportError("the tunnel carried an unreadable \(kind) frame: \(error)")
        }
    }
}

/// What the control plane tells an agent it accepted.
public struct TunnelWelcome: Sendable, Hashable, Codable {
    /// How often each side pings; silence for three intervals ends the tunnel.
    public var heartbeatSeconds: Int
    public init(heartbeatSeconds: Int) { self.heartbeatSeconds = heartbeatSeconds }
}

public struct TunnelRequestHead: Sendable, Hashable, Codable {
    public var method: String
    public var path: String
    public var headers: [[String]]
    /// The body streams for the life of the exchange (a console), rather than ending before
    /// the agent is to act on it.
    public var streaming: Bool

    public init(method: String, path: String, headers: [[String]], streaming: Bool) {
        self.method = method
        self.path = path
        self.headers = headers
        self.streaming = streaming
    }

    var httpHeaders: HTTPHeaders { HTTPHeaders(headers.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil }) }
}

public struct TunnelResponseHead: Sendable, Hashable, Codable {
    public var status: Int
    public var headers: [[String]]

    public init(status: Int, headers: [[String]]) {
        self.status = status
        self.headers = headers
    }

    var httpHeaders: HTTPHeaders { HTTPHeaders(headers.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil }) }
}

extension HTTPHeaders {
    var pairs: [[String]] { map { [$0.name, $0.value] } }
}

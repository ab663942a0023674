import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// The control plane's end of the tunnel an agent dialled: an `AgentTransport` that sends
/// each request down as frames on a stream of its own and hands back the answer's frames as
/// they come up. `serve` runs the tunnel (reading, heartbeats, streaming request bodies);
/// the caller writes `outbound` into the connection. When the tunnel ends, every exchange
/// still open fails with `AgentTransportError`, never hangs.
public final class AgentTunnel: AgentTransport, Sendable {
    /// Frames to write down the connection, in order; finished when the tunnel closes.
    public let outbound: AsyncStream<ByteBuffer>
    private let down: AsyncStream<ByteBuffer>.Continuation
    private let pumps: AsyncStream<Pump>
    private let pumpQueue: AsyncStream<Pump>.Continuation
    private let state = Mutex(State())
    private let heartbeat: Duration
    private let logger: Logger

    struct State {
        var nextStream: UInt32 = 1
        var exchanges: [UInt32: Exchange] = [:]
        var closedReason: String?
        var lastHeard = ContinuousClock.now
    }

    struct Exchange {
        var head: CheckedContinuation<AgentWireResponse, any Error>?
        let body: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
        let bodyStream: AsyncThrowingStream<ByteBuffer, any Error>
    }

    /// A streaming request body to forward down while the exchange lasts.
    struct Pump: Sendable {
        let stream: UInt32
        let chunks: AsyncStream<ByteBuffer>
    }

    public init(heartbeat: Duration, logger: Logger) {
        (outbound, down) = AsyncStream.makeStream(of: ByteBuffer.self)
        (pumps, pumpQueue) = AsyncStream.makeStream(of: Pump.self)
        self.heartbeat = heartbeat
        self.logger = logger
        down.yield(TunnelFrame.welcome(TunnelWelcome(heartbeatSeconds: max(1, Int(heartbeat.components.seconds)))).encoded())
    }

    /// Why the tunnel closed, nil while it is open.
    public var closedReason: String? { state.withLock { $0.closedReason } }

    // MARK: the transport

    public func execute(_ request: AgentWireRequest, deadline: Duration?) async throws -> AgentWireResponse {
        let (bodyStream, body) = AsyncThrowingStream.makeStream(of: ByteBuffer.self, throwing: (any Error).self)
        let stream: UInt32 = try state.withLock { state in
            if let reason = state.closedReason { throw AgentTransportError("the host agent's tunnel is closed (\(reason))") }
            let stream = state.nextStream
            state.nextStream = stream == UInt32.max ? 1 : stream + 1
            state.exchanges[stream] = Exchange(head: nil, body: body, bodyStream: bodyStream)
            return stream
        }
        body.onTermination = { [weak self] termination in
            // The reader went away before the end: tell the agent to stop.
            if case .cancelled = termination { self?.abandon(stream) }
        }
        var streaming = false
        if case .stream = request.body { streaming = true }
        down.yield(TunnelFrame.open(stream, TunnelRequestHead(method: request.method.rawValue, path: request.path, headers: request.headers.pairs, streaming: streaming)).encoded())
        switch request.body {
        case .none:
            down.yield(TunnelFrame.requestEnd(stream).encoded())
        case .bytes(var bytes):
            while bytes.readableBytes > 0, let chunk = bytes.readSlice(length: min(bytes.readableBytes, TunnelFrame.chunkSize)) {
                down.yield(TunnelFrame.requestData(stream, chunk).encoded())
            }
            down.yield(TunnelFrame.requestEnd(stream).encoded())
        case .stream(let chunks):
            pumpQueue.yield(Pump(stream: stream, chunks: chunks))
        }
        return try await withThrowingTaskGroup(of: AgentWireResponse?.self) { group in
            group.addTask { try await self.head(of: stream) }
            if let deadline {
                group.addTask {
                    try await Task.sleep(for: deadline)
                    return nil
                }
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let response = first else {
                abandon(stream)
                throw AgentTransportError("the host agent did not answer within \(deadline ?? .zero)")
            }
            return response
        }
    }

    private func head(of stream: UInt32) async throws -> AgentWireResponse {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let parked: Bool = state.withLock { state in
                    guard state.exchanges[stream] != nil, state.closedReason == nil else { return false }
                    state.exchanges[stream]?.head = continuation
                    return true
                }
                if !parked { continuation.resume(throwing: AgentTransportError("the host agent's tunnel closed (\(closedReason ?? "exchange ended"))")) }
            }
        } onCancel: {
            abandon(stream)
        }
    }

    /// Ends an exchange from this side: the agent is told to stop, its reader sees the end.
    func abandon(_ stream: UInt32) {
        guard let exchange = state.withLock({ $0.exchanges.removeValue(forKey: stream) }) else { return }
        exchange.head?.resume(throwing: CancellationError())
        exchange.body.finish(throwing: CancellationError())
        down.yield(TunnelFrame.cancel(stream).encoded())
    }

    // MARK: running the tunnel

    /// Reads the agent's frames until the connection ends, pings every heartbeat and closes
    /// the tunnel after three silent ones, and forwards streaming request bodies. Returns
    /// once the tunnel is closed (so `outbound` is finished).
    public func serve(inbound: some AsyncSequence<ByteBuffer, any Error> & Sendable) async {
        await withDiscardingTaskGroup { group in
            group.addTask {
                var decoder = TunnelFrame.Decoder()
                do {
                    for try await buffer in inbound {
                        decoder.append(buffer)
                        while let frame = try decoder.next() { try self.receive(frame) }
                    }
                    self.close("the agent closed the connection")
                } catch {
                    self.close(Task.isCancelled ? "the connection to the agent ended" : "\(error)")
                }
            }
            group.addTask {
                while self.closedReason == nil {
                    guard (try? await Task.sleep(for: self.heartbeat)) != nil else { break }
                    let silence = ContinuousClock.now - self.state.withLock { $0.lastHeard }
                    if silence > self.heartbeat * 3 {
                        self.close("no heartbeat from the agent for \(silence)")
                        break
                    }
                    self.down.yield(TunnelFrame.ping.encoded())
                }
            }
            for await pump in pumps {
                group.addTask { await self.forward(pump) }
            }
            // Closed: nothing more to read or forward.
            group.cancelAll()
        }
    }

    private func forward(_ pump: Pump) async {
        for await var chunk in pump.chunks {
            guard state.withLock({ $0.exchanges[pump.stream] != nil }) else { return }
            while chunk.readableBytes > 0, let piece = chunk.readSlice(length: min(chunk.readableBytes, TunnelFrame.chunkSize)) {
                down.yield(TunnelFrame.requestData(pump.stream, piece).encoded())
            }
        }
        down.yield(TunnelFrame.requestEnd(pump.stream).encoded())
    }

    func receive(_ frame: TunnelFrame) throws {
        state.withLock { $0.lastHeard = .now }
        switch frame {
        case .responseHead(let stream, let head):
            let taken: (CheckedContinuation<AgentWireResponse, any Error>, AsyncThrowingStream<ByteBuffer, any Error>)? = state.withLock { state in
                guard let continuation = state.exchanges[stream]?.head, let body = state.exchanges[stream]?.bodyStream else { return nil }
                state.exchanges[stream]?.head = nil
                return (continuation, body)
            }
            guard let (continuation, body) = taken else { return }
            continuation.resume(returning: AgentWireResponse(status: head.status, headers: head.httpHeaders, body: body))
        case .responseData(let stream, let bytes):
            _ = state.withLock { $0.exchanges[stream]?.body }?.yield(bytes)
        case .responseEnd(let stream):
            state.withLock { $0.exchanges.removeValue(forKey: stream) }?.body.finish()
        case .fail(let stream, let message):
            guard let exchange = state.withLock({ $0.exchanges.removeValue(forKey: stream) }) else { return }
            let error = AgentTransportError("the host agent could not carry the request out: \(message)")
            exchange.head?.resume(throwing: error)
            exchange.body.finish(throwing: error)
        case .ping:
            down.yield(TunnelFrame.pong.encoded())
        case .pong:
            break
        case .welcome, .open, .requestData, .requestEnd, .cancel:
            throw AgentTransportError("the agent sent a frame only a control plane sends (\(frame.kindName))")
        }
    }

    /// Closes the tunnel: every open exchange fails, `outbound` and the pump queue finish.
    public func close(_ reason: String) {
        let exchanges: [Exchange]? = state.withLock { state in
            guard state.closedReason == nil else { return nil }
            state.closedReason = reason
            defer { state.exchanges = [:] }
            return Array(state.exchanges.values)
        }
        guard let exchanges else { return }
        logger.debug("agent tunnel closed", metadata: ["reason": "\(reason)"])
        let error = AgentTransportError("the host agent's tunnel closed (\(reason))")
        for exchange in exchanges {
            exchange.head?.resume(throwing: error)
            exchange.body.finish(throwing: error)
        }
        down.finish()
        pumpQueue.finish()
    }
}

extension TunnelFrame {
    var kindName: String {
        switch self {
        case .welcome: "welcome"
        case .open: "open"
        case .requestData: "request data"
        case .requestEnd: "request end"
        case .cancel: "cancel"
        case .responseHead: "response head"
        case .responseData: "response data"
        case .responseEnd: "response end"
        case .fail: "fail"
        case .ping: "ping"
        case .pong: "pong"
        }
    }
}

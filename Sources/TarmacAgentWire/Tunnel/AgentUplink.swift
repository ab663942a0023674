import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import TarmacAgentProtocol

/// The agent's end of its tunnel (`tarmac agent --server URL`): dials the control plane,
/// registers, and carries out each request that comes down by passing it to the agent's own
/// HTTP server (`local`, its unix socket, with the agent's local token) and sending the
/// answer up as it comes. Reconnects with backoff whenever the tunnel ends, re-registering
/// each time; the control plane resynchronises from the agent's outbox and inventory.
public struct AgentUplink: Service {
    public struct Configuration: Sendable {
        /// The control plane's agent listener, `http://HOST:PORT`.
        public var serverURL: String
        public var token: AgentToken
        public var registration: AgentRegistration
        /// The agent's own server and the token it requires.
        public var local: HTTPAgentTransport.Endpoint
        public var localToken: AgentToken?
        /// The first reconnect delay, doubling up to `maximumBackoff`.
        public var backoff: Duration = .milliseconds(500)
        public var maximumBackoff: Duration = .seconds(10)

        public init(serverURL: String, token: AgentToken, registration: AgentRegistration, local: HTTPAgentTransport.Endpoint, localToken: AgentToken?) {
            self.serverURL = serverURL
            self.token = token
            self.registration = registration
            self.local = local
            self.localToken = localToken
        }
    }

    let configuration: Configuration
    let client: HTTPClient
    let logger: Logger

    public init(configuration: Configuration, client: HTTPClient = .shared, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var delay = configuration.backoff
            while !Task.isCancelled {
                let started = ContinuousClock.now
                do {
                    try await session()
                } catch {
                    // Only our own cancellation ends the service: a CancellationError out of
                    // the HTTP client (the server killed mid-exchange) is a lost tunnel too.
                    if Task.isCancelled { return }
                    logger.warning("tunnel to the control plane ended, reconnecting", metadata: ["server": "\(configuration.serverURL)", "error": "\(error)"])
                }
                // A tunnel that held for a while starts the backoff over.
                if ContinuousClock.now - started > .seconds(30) { delay = configuration.backoff }
                guard (try? await Task.sleep(for: delay)) != nil else { return }
                delay = min(delay * 2, configuration.maximumBackoff)
            }
        }
    }

    /// One tunnel, from dialling until it ends (thrown).
    func session() async throws {
        let (upStream, up) = AsyncStream.makeStream(of: ByteBuffer.self)
        defer { up.finish() }
        var request = HTTPClientRequest(url: configuration.serverURL + AgentTunnelRouter.connectPath)
        request.method = .POST
        request.headers.add(name: AgentWireVersion.headerName, value: AgentWireVersion.current)
        request.headers.add(name: "authorization", value: "Bearer \(configuration.token.value)")
        request.headers.add(name: AgentTunnelRouter.registrationHeader, value: try JSONEncoder().encode(configuration.registration).base64EncodedString())
        request.body = .stream(upStream, length: .unknown)
        let response = try await client.execute(request, deadline: .now() + .seconds(30))
        guard response.status == .ok else {
            let body = try await response.body.collect(upTo: 1 << 20)
            throw AgentTransportError("the control plane refused the agent (\(response.status.code)): \(String(buffer: body))")
        }
        try HTTPAgentClient.checkVersion(response.headers.first(name: AgentWireVersion.headerName))
        let exchanges = UplinkExchanges()
        var heartbeat: Duration = .seconds(5)
        try await withThrowingDiscardingTaskGroup { group in
            var decoder = TunnelFrame.Decoder()
            var welcomed = false
            for try await buffer in response.body {
                exchanges.heard()
                decoder.append(buffer)
                while let frame = try decoder.next() {
                    switch frame {
                    case .welcome(let welcome):
                        guard !welcomed else { continue }
                        welcomed = true
                        heartbeat = .seconds(max(1, welcome.heartbeatSeconds))
                        logger.info("connected to the control plane", metadata: ["server": "\(configuration.serverURL)", "host_id": "\(configuration.registration.hostID)"])
                        let interval = heartbeat
                        group.addTask {
                            while true {
                                try await Task.sleep(for: interval)
                                let silence = exchanges.silence
                                if silence > interval * 3 { throw AgentTransportError("no heartbeat from the control plane for \(silence)") }
                                up.yield(TunnelFrame.ping.encoded())
                            }
                        }
                    case .open(let stream, let head):
                        if let chunks = exchanges.open(stream, head) {
                            group.addTask { await self.forward(stream, head, .stream(chunks), exchanges: exchanges, up: up) }
                        }
                    case .requestData(let stream, let bytes):
                        exchanges.append(stream, bytes)
                    case .requestEnd(let stream):
                        if let (head, bytes) = exchanges.end(stream) {
                            group.addTask { await self.forward(stream, head, bytes.readableBytes > 0 ? .bytes(bytes) : .none, exchanges: exchanges, up: up) }
                        }
                    case .cancel(let stream):
                        exchanges.cancel(stream)
                    case .ping:
                        up.yield(TunnelFrame.pong.encoded())
                    case .pong:
                        break
                    case .responseHead, .responseData, .responseEnd, .fail:
                        throw AgentTransportError("the control plane sent a frame only an agent sends (\(frame.kindName))")
                    }
                }
            }
            throw AgentTransportError("the control plane closed the tunnel")
        }
    }

    /// Carries one exchange out against the agent's own server and sends the answer up.
    func forward(_ stream: UInt32, _ head: TunnelRequestHead, _ body: AgentWireRequest.Body, exchanges: UplinkExchanges, up: AsyncStream<ByteBuffer>.Continuation) async {
        let signal = exchanges.started(stream)
        await signal.run({
            var headers = head.httpHeaders
            headers.remove(name: "authorization")
            if let token = configuration.localToken { headers.add(name: "authorization", value: "Bearer \(token.value)") }
            let request = AgentWireRequest(method: HTTPMethod(rawValue: head.method), path: head.path, headers: headers, body: body)
            do {
                let response = try await HTTPAgentTransport(endpoint: configuration.local, client: client).execute(request, deadline: nil)
                up.yield(TunnelFrame.responseHead(stream, TunnelResponseHead(status: response.status, headers: response.headers.pairs)).encoded())
                for try await var chunk in response.body {
                    while chunk.readableBytes > 0, let piece = chunk.readSlice(length: min(chunk.readableBytes, TunnelFrame.chunkSize)) {
                        up.yield(TunnelFrame.responseData(stream, piece).encoded())
                    }
                }
                up.yield(TunnelFrame.responseEnd(stream).encoded())
            } catch {
                if !Task.isCancelled { up.yield(TunnelFrame.fail(stream, "\(error)").encoded()) }
            }
        }, fallback: {})
        exchanges.finished(stream)
    }
}

/// The exchanges an uplink has in flight: bodies being received, and a way to cancel each.
final class UplinkExchanges: Sendable {
    struct Entry {
        var head: TunnelRequestHead?
        var buffered = ByteBuffer()
        var chunks: AsyncStream<ByteBuffer>.Continuation?
        var signal = CancelSignal()
    }

    private let entries = Mutex<[UInt32: Entry]>([:])
    private let lastHeard = Mutex(ContinuousClock.now)

    /// Something came down the tunnel.
    func heard() { lastHeard.withLock { $0 = .now } }

    /// How long nothing has come down the tunnel.
    var silence: Duration { ContinuousClock.now - lastHeard.withLock { $0 } }

    /// A new exchange; for a streaming one, the body to forward as it arrives.
    func open(_ stream: UInt32, _ head: TunnelRequestHead) -> AsyncStream<ByteBuffer>? {
        guard head.streaming else {
            entries.withLock { $0[stream] = Entry(head: head) }
            return nil
        }
        let (chunks, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        entries.withLock { $0[stream] = Entry(head: head, chunks: continuation) }
        return chunks
    }

    func append(_ stream: UInt32, _ bytes: ByteBuffer) {
        entries.withLock { entries in
            if let chunks = entries[stream]?.chunks {
                chunks.yield(bytes)
            } else {
                var bytes = bytes
                entries[stream]?.buffered.writeBuffer(&bytes)
            }
        }
    }

    /// The request body ended: a buffered request is ready to forward (its head and body).
    func end(_ stream: UInt32) -> (TunnelRequestHead, ByteBuffer)? {
        entries.withLock { entries in
            if let chunks = entries[stream]?.chunks {
                chunks.finish()
                return nil
            }
            guard let head = entries[stream]?.head, let body = entries[stream]?.buffered else { return nil }
            entries[stream]?.buffered = ByteBuffer()
            return (head, body)
        }
    }

    func started(_ stream: UInt32) -> CancelSignal {
        entries.withLock { $0[stream]?.signal } ?? { let signal = CancelSignal(); signal.cancel(); return signal }()
    }

    func cancel(_ stream: UInt32) {
        let entry = entries.withLock { $0.removeValue(forKey: stream) }
        entry?.chunks?.finish()
        entry?.signal.cancel()
    }

    func finished(_ stream: UInt32) {
        let entry = entries.withLock { $0.removeValue(forKey: stream) }
        entry?.chunks?.finish()
    }
}

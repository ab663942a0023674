import NIOCore
import TarmacGuestProtocol

/// The agent's end of one guest control session on a NIO channel: the hello exchange
/// (repeated every `helloInterval` until the guest answers or the deadline passes), then
/// every decoded frame handed to its waiter in `GuestRequests`. When the connection ends,
/// whatever still waits fails with `.notRunning`. Lives on its channel's event loop.
final class GuestChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Handshake: Sendable {
        case ready(mainPID: Int32)
        /// The socket ended before the guest answered (QEMU went away, or refused us).
        case closed
        case timedOut
        case incompatible(version: UInt16)
    }

    /// How often the host repeats its hello while the guest stays silent. Longer than the
    /// guest's stalled-frame timeout, so a repeat reaches a guest that dropped a dead
    /// session's partial frame.
    static let helloInterval: TimeAmount = .seconds(2)

    /// Fired into the pipeline by the hello timer.
    private struct HelloTick: Sendable {}

    private let requests: GuestRequests
    private let handshake: EventLoopPromise<Handshake>
    private let deadline: NIODeadline
    private var decoder = GuestStreamDecoder()
    private var answered = false
    private var timer: Scheduled<Void>?

    init(requests: GuestRequests, handshake: EventLoopPromise<Handshake>, deadline: NIODeadline) {
        self.requests = requests
        self.handshake = handshake
        self.deadline = deadline
    }

    func channelActive(context: ChannelHandlerContext) {
        sayHello(context: context)
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is HelloTick else { return context.fireUserInboundEventTriggered(event) }
        sayHello(context: context)
    }

    private func sayHello(context: ChannelHandlerContext) {
        guard !answered else { return }
        guard NIODeadline.now() < deadline else {
            handshake.succeed(.timedOut)
            context.close(promise: nil)
            return
        }
        let hello = GuestMessage.hello(version: GuestProtocol.version, mainPID: 0).syncFramed()
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: hello)), promise: nil)
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(deadline: min(.now() + Self.helloInterval, deadline)) {
            channel.pipeline.fireUserInboundEventTriggered(HelloTick())
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        decoder.append(unwrapInboundIn(data).readableBytesView)
        while let payload = decoder.next() {
            // A frame that does not decode is skipped; its waiter (if any) fails when the channel ends.
            guard let message = try? GuestMessage(decoding: payload) else { continue }
            if answered {
                requests.deliver(message)
                continue
            }
            guard case .hello(let version, let mainPID) = message else { continue }
            answered = true
            timer?.cancel()
            guard version == GuestProtocol.version else {
                handshake.succeed(.incompatible(version: version))
                context.close(promise: nil)
                return
            }
            handshake.succeed(.ready(mainPID: mainPID))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        handshake.succeed(.closed)
        requests.end(RuntimeError(.notRunning, "the guest's control channel closed (the machine stopped, or another agent connected)"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

import NIOCore
import TarmacModel

/// QMP on a NIO channel: splits what QEMU sends into lines, completes the greeting, and
/// answers commands in the order they were written (QMP answers in order; events, which
/// QEMU sends at any time, are skipped). Lives on its channel's event loop.
final class QMPHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Request
    typealias OutboundOut = ByteBuffer

    /// One command line and the promise its answer completes.
    struct Request: Sendable {
        var name: String
        var line: [UInt8]
        var reply: EventLoopPromise<JSONValue>
    }

    private let greeting: EventLoopPromise<Void>
    private var buffer: [UInt8] = []
    private var pending: [(name: String, reply: EventLoopPromise<JSONValue>)] = []

    init(greeting: EventLoopPromise<Void>) {
        self.greeting = greeting
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        buffer.append(contentsOf: bytes.readableBytesView)
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let message = QMPMessage.decode(buffer[..<newline])
            buffer.removeSubrange(...newline)
            handle(message)
        }
    }

    private func handle(_ message: QMPMessage?) {
        switch message {
        case .greeting?:
            greeting.succeed(())
        case .success(let value)?:
            guard !pending.isEmpty else { return }
            pending.removeFirst().reply.succeed(value)
        case .failure(let errorClass, let description)?:
            guard !pending.isEmpty else { return }
            let request = pending.removeFirst()
            request.reply.fail(RuntimeError(.internalError, "QEMU refused \(request.name): \(errorClass): \(description)"))
        case .event?, nil:
            return
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        pending.append((request.name, request.reply))
        context.write(wrapOutboundOut(ByteBuffer(bytes: request.line)), promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let closed = RuntimeError(.notRunning, "QEMU closed the QMP connection (the machine stopped)")
        greeting.fail(closed)
        for request in pending { request.reply.fail(closed) }
        pending.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Reads the shim's one reply line on an event loop of the shared NIO group: no thread waits
/// while runc runs. Nil when the shim closed the socket, the timeout passed or the task was
/// cancelled.
enum ShimReply {
    static func read(from fd: Int32, timeout: Duration) async -> String? {
        let loop = UnixStreamConnector.nextLoop()
        let line = loop.makePromise(of: String?.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(LineReader(line)) }
                }
                .withConnectedSocket(fd)
                .get()
        } catch {
            line.succeed(nil)
            _ = Glibc.close(fd)
            return nil
        }
        let timer = loop.scheduleTask(in: TimeAmount(timeout)) { line.succeed(nil) }
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        return await withTaskCancellationHandler {
            (try? await line.futureResult.get()) ?? nil
        } onCancel: {
            line.succeed(nil)
        }
    }

    /// Completes the promise with the first `\n`-terminated line, or nil at end of stream.
    private final class LineReader: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer

        private let line: EventLoopPromise<String?>
        private var pending: [UInt8] = []

        init(_ line: EventLoopPromise<String?>) {
            self.line = line
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            pending.append(contentsOf: unwrapInboundIn(data).readableBytesView)
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                line.succeed(String(decoding: pending[..<newline], as: UTF8.self))
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            line.succeed(nil)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

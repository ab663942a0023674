import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Connects SwiftNIO channels to the unix stream sockets QEMU serves (QMP, the guest's
/// control chardev). Every connection lives on an event loop of the process-wide NIO group
/// (the one the HTTP server and client use), so a thousand microVMs cost no thread each and
/// no read ever blocks.
///
/// QEMU creates its sockets while it starts; a path that does not exist yet (or refuses)
/// is retried with a short backoff until the deadline.
enum UnixStreamConnector {
    /// The loop new connections go to.
    static func nextLoop() -> any EventLoop {
        MultiThreadedEventLoopGroup.singleton.next()
    }

    /// Connects to `path` on `loop`, retrying while nothing listens there, until `deadline`.
    /// `configure` adds the channel's handlers before any byte is read.
    static func connect(
        path: String, deadline: ContinuousClock.Instant, on loop: any EventLoop,
        configure: @escaping @Sendable (any Channel) throws -> Void
    ) async throws -> any Channel {
        var delay = Duration.milliseconds(2)
        while true {
            try Task.checkCancellation()
            let bootstrap = ClientBootstrap(group: loop)
                .connectTimeout(.seconds(5))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try configure(channel) }
                }
            do {
                return try await bootstrap.connect(unixDomainSocketPath: path).get()
            } catch let error as IOError where isTransient(error.errnoCode) && ContinuousClock.now < deadline {
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .milliseconds(50))
            } catch is SocketAddressError {
                throw RuntimeError(.resources, "socket path \(path) is too long for a unix socket; use a shorter data directory")
            } catch let error as IOError {
                throw RuntimeError(.notRunning, "cannot connect to \(path): \(String(cString: strerror(error.errnoCode)))")
            } catch {
                throw RuntimeError(.notRunning, "cannot connect to \(path): \(error)")
            }
        }
    }

    /// Nothing listens on the path yet: QEMU is still starting.
    static func isTransient(_ code: Int32) -> Bool {
        code == ENOENT || code == ECONNREFUSED || code == EAGAIN
    }
}

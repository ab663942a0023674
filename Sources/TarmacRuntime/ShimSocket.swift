import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The driver's end of a shim's start-protocol socket pair. Lines are sent with plain
/// writes (a few hundred bytes into an idle socket buffer); the one reply is read on the
/// NIO event loop (`ShimReply`), which takes the descriptor over. Closed exactly once.
final class ShimSocket: Sendable {
    private let descriptor: Mutex<Int32>

    init(_ fd: Int32) {
        descriptor = Mutex(fd)
    }

    deinit { close() }

    func send(_ line: String) throws(RuntimeError) {
        let bytes = Array((line + "\n").utf8)
        let written = descriptor.withLock { fd in
            fd < 0 ? -1 : bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        guard written == bytes.count else {
            throw RuntimeError(.startFailed, "the runtime shim exited early (see its log)")
        }
    }

    /// Hands the descriptor over (to the reply reader, which closes it); nil once closed.
    func take() -> Int32? {
        descriptor.withLock { fd in
            defer { fd = -1 }
            return fd < 0 ? nil : fd
        }
    }

    func close() {
        if let fd = take() { _ = Glibc.close(fd) }
    }
}

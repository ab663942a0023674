import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A connected stream socket on a Unix path with blocking, deadline-bounded reads and
/// writes. Used from dispatch threads (see `BlockingIO`), never from the cooperative pool.
final class UnixSocket: @unchecked Sendable {
    // @unchecked: the descriptor is only used by one caller at a time (QMPClient serialises
    // its conversation); `close()` is idempotent.
    private var fd: Int32
    private var buffer: [UInt8] = []

    private init(fd: Int32) { self.fd = fd }

    deinit { close() }

    /// Connects to `path`, retrying while the socket does not exist yet or refuses, until `deadline`.
    static func connect(path: String, deadline: ContinuousClock.Instant) throws(RuntimeError) -> UnixSocket {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else {
            throw RuntimeError(.resources, "socket path \(path) is longer than \(capacity - 1) bytes; use a shorter data directory")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        while true {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw RuntimeError(.resources, "socket: \(String(cString: strerror(errno)))") }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if result == 0 { return UnixSocket(fd: fd) }
            let code = errno
            Glibc.close(fd)
            guard code == ENOENT || code == ECONNREFUSED || code == EAGAIN, ContinuousClock.now < deadline else {
                throw RuntimeError(.notRunning, "cannot connect to \(path): \(String(cString: strerror(code)))")
            }
            usleep(10_000)
        }
    }

    func write(_ bytes: [UInt8]) throws(RuntimeError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw RuntimeError(.notRunning, "socket write failed: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// The next `\n`-terminated line (without the newline); throws at EOF or the deadline.
    func readLine(deadline: ContinuousClock.Instant) throws(RuntimeError) -> [UInt8] {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeFirst(newline + 1)
                return line
            }
            let remaining = deadline - ContinuousClock.now
            let milliseconds = max(0, Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { throw RuntimeError(.internalError, "no answer on the socket in time") }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw RuntimeError(.notRunning, "the socket was closed") }
            buffer += chunk[0..<count]
        }
    }

    func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }
}

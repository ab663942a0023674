import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A connected unix stream socket to a QEMU chardev, with blocking I/O.
///
/// One reader (the channel's reader thread) and any number of writers. Writes are
/// serialized so frames never interleave. The descriptor is closed exactly once, by
/// `finish()`, under the same lock the writers hold, so a writer never touches a reused
/// descriptor; `shutdown()` (any thread) only wakes the reader.
final class GuestSocket: Sendable {
    private struct State {
        var fd: Int32
        var closed = false
    }

    private let state: Mutex<State>
    /// The descriptor as the reader uses it; valid until `finish()`, which only the reader calls.
    private let readFD: Int32

    private init(fd: Int32) {
        state = Mutex(State(fd: fd))
        readFD = fd
    }

    /// Connects to the socket at `path`; nil when nobody listens there (yet).
    static func connect(path: String) throws(RuntimeError) -> GuestSocket? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw RuntimeError(.internalError, "control socket path is too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw RuntimeError(.resources, "cannot create a unix socket: \(String(cString: strerror(errno)))") }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            if code == ENOENT || code == ECONNREFUSED || code == EAGAIN { return nil }
            throw RuntimeError(.startFailed, "cannot connect to \(path): \(String(cString: strerror(code)))")
        }
        // A guest that stops reading must not wedge a writer forever.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return GuestSocket(fd: fd)
    }

    /// Writes all of `bytes` as one unit with respect to other writers.
    func send(_ bytes: [UInt8]) throws(RuntimeError) {
        let failure: Int32? = state.withLock { state in
            guard !state.closed else { return ECONNRESET }
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { raw in
                    Glibc.send(state.fd, raw.baseAddress.map { $0 + offset }, raw.count - offset, Int32(MSG_NOSIGNAL))
                }
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return written < 0 ? errno : ECONNRESET
                }
            }
            return nil
        }
        if let failure {
            throw RuntimeError(.notRunning, "the guest's control channel is closed (\(String(cString: strerror(failure))))")
        }
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever) for bytes. Returns nil on end of
    /// stream or error, an empty array on timeout.
    func receive(timeoutMilliseconds: Int32) -> [UInt8]? {
        var poller = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&poller, 1, timeoutMilliseconds)
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 { return nil }
            if ready == 0 { return [] }
            break
        }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
            if count > 0 { return Array(buffer.prefix(count)) }
            if count < 0 && errno == EINTR { continue }
            return nil
        }
    }

    /// Wakes a blocked `receive` (which then reports end of stream); writes fail from now on.
    func shutdown() {
        state.withLock { state in
            guard !state.closed else { return }
            _ = Glibc.shutdown(state.fd, Int32(SHUT_RDWR))
        }
    }

    /// Closes the descriptor; called once by the reader when it is done with it.
    func finish() {
        state.withLock { state in
            guard !state.closed else { return }
            state.closed = true
            Glibc.close(state.fd)
        }
    }
}



import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal Server-Sent Events client over a plain TCP connection (the feed never ends, so
/// URLSession's collect-the-body calls cannot read it): sends the GET, checks the status,
/// and parses `id`/`event`/`data` frames as they arrive. Reads are non-blocking with short
/// sleeps, so a waiting test holds no thread.
final class SSEReader {
    struct Frame: Equatable {
        var id: String?
        var event: String?
        var data: String
    }

    private let fd: Int32
    private var pending: [UInt8] = []
    let status: Int

    init(port: Int, path: String, token: String, lastEventID: String? = nil) async throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw FixtureError("cannot connect to 127.0.0.1:\(port)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var head = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nAccept: text/event-stream\r\n"
        if let lastEventID { head += "Last-Event-ID: \(lastEventID)\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var pending: [UInt8] = []
        let statusLine: [UInt8]
        do {
            statusLine = try await Self.readUntil(fd, &pending, Array("\r\n\r\n".utf8), timeout: .seconds(10))
        } catch {
            close(fd)
            throw error
        }
        let text = String(decoding: statusLine, as: UTF8.self)
        self.fd = fd
        self.pending = pending
        status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        // The body is chunked; each chunk is one write of whole frames, so the chunk-size
        // lines (`1a\r\n`) fall between frames and the frame parser skips them.
    }

    deinit { close(fd) }

    /// The next event frame (comments and the retry hint skipped), nil after `timeout`.
    func next(timeout: Duration = .seconds(20)) async throws -> Frame? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let remaining = deadline - ContinuousClock.now
            guard let block = try? await Self.readUntil(fd, &pending, Array("\n\n".utf8), timeout: remaining) else { return nil }
            var frame = Frame(data: "")
            var isEvent = false
            // Bytes, not Characters: "\r\n" of the chunk framing is one Character in Swift.
            for bytes in block.split(separator: UInt8(ascii: "\n")) {
                let line = String(decoding: bytes.filter { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
                if line.hasPrefix("id: ") { frame.id = String(line.dropFirst(4)); isEvent = true }
                if line.hasPrefix("event: ") { frame.event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { frame.data = String(line.dropFirst(6)); isEvent = true }
            }
            if isEvent { return frame }
        }
        return nil
    }

    /// Reads until `separator` appears in the stream; returns what precedes it.
    private static func readUntil(_ fd: Int32, _ pending: inout [UInt8], _ separator: [UInt8], timeout: Duration) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            if let range = find(separator, in: pending) {
                let found = Array(pending[..<range.lowerBound])
                pending.removeSubrange(..<range.upperBound)
                return found
            }
            guard ContinuousClock.now < deadline else { throw FixtureError("no \(separator) within \(timeout)") }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                pending += buffer.prefix(count)
            } else if count == 0 {
                throw FixtureError("the server closed the event stream")
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle {
            return start..<(start + needle.count)
        }
        return nil
    }
}

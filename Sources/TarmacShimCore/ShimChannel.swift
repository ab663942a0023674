#if canImport(Glibc)
import Glibc
#endif

/// The shim's end of the control socket: reads the driver's command lines, writes replies.
struct ShimChannel {
    var socket: Int32

    /// The next line without its `\n`, or nil at end of file or on an error.
    func readCommand() -> [UInt8]? {
        var line: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var discard = [UInt8](repeating: 0, count: 4096)
        while true {
            // Peek, then consume only up to the newline: what follows belongs to the next command.
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, Int32(MSG_PEEK)) }
            if count == -1 && errno == EINTR { continue }
            if count == -1 && errno == ENOTSOCK { return readByBytes(line) }
            guard count > 0 else { return nil }
            let end = buffer[0..<count].firstIndex(of: UInt8(ascii: "\n"))
            let take = end.map { $0 + 1 } ?? count
            var consumed = 0
            while consumed < take {
                let read = discard.withUnsafeMutableBytes { Glibc.read(socket, $0.baseAddress, take - consumed) }
                if read == -1 && errno == EINTR { continue }
                guard read > 0 else { return nil }
                consumed += read
            }
            if let end {
                line += buffer[0..<end]
                return line
            }
            line += buffer[0..<count]
        }
    }

    /// The rest of the line one byte at a time (a pipe given as `--control-fd` cannot be peeked at).
    private func readByBytes(_ start: [UInt8]) -> [UInt8]? {
        var line = start
        var byte: UInt8 = 0
        while true {
            let count = Glibc.read(socket, &byte, 1)
            if count == 1 {
                if byte == UInt8(ascii: "\n") { return line }
                line.append(byte)
            } else if count == -1 && errno == EINTR {
                continue
            } else {
                return nil
            }
        }
    }

    func readCommandString() -> String? {
        readCommand().map { String(decoding: $0, as: UTF8.self) }
    }

    /// Sends `line` (newlines inside it replaced by spaces) and a `\n`; a driver that went
    /// away is ignored (no SIGPIPE: MSG_NOSIGNAL).
    func reply(_ line: String) {
        var bytes = Array(line.utf8).map { $0 == UInt8(ascii: "\n") ? UInt8(ascii: " ") : $0 }
        bytes.append(UInt8(ascii: "\n"))
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written > 0 {
                offset += written
            } else if written == -1 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    func close() {
        _ = Glibc.close(socket)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Writes files that are rebuilt on every use (a container's bundle files, pid files) with
/// plain open/write/close. Foundation's writers fsync, which costs milliseconds on a start
/// path and buys nothing for a file that is written again before it is next needed.
public enum ScratchFile {
    public struct WriteError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func write(_ bytes: some Collection<UInt8>, to path: String, mode: mode_t = 0o644) throws(WriteError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw WriteError(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let data = Array(bytes)
        var offset = 0
        while offset < data.count {
            let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress.map { $0 + offset }, data.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw WriteError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    public static func write(_ text: String, to path: String) throws(WriteError) {
        try write(Array(text.utf8), to: path)
    }
}

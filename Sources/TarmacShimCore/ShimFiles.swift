#if canImport(Glibc)
import Glibc
#endif

/// Small file operations of the shim, with plain system calls.
enum ShimFiles {
    /// The whole file (up to `limit` bytes), or nil when it cannot be read.
    static func read(_ path: String, limit: Int = 1 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while contents.count < limit {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count == -1 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            contents += buffer[0..<count]
        }
        return contents
    }

    /// Writes `bytes` to a temporary file next to `path` and renames it over `path`, so
    /// readers see the old file, nothing, or all of the new one. No fsync: the file is only
    /// useful while the host keeps running.
    static func replace(_ path: String, with bytes: [UInt8]) -> String? {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return "cannot create \(temporary): \(errorText())" }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written == -1 && errno == EINTR { continue }
            guard written > 0 else {
                let message = "cannot write \(temporary): \(errorText())"
                close(fd)
                unlink(temporary)
                return message
            }
            offset += written
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let message = "cannot rename \(temporary) to \(path): \(errorText())"
            unlink(temporary)
            return message
        }
        return nil
    }

    /// A pid file's pid (surrounding white space allowed).
    static func readPid(_ path: String) -> pid_t? {
        guard let bytes = read(path, limit: 64) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        return pid_t(text.trimmingSpace())
    }

    /// How many times the kernel's OOM killer fired in the cgroup (`oom_kill` of cgroup v1's
    /// `memory.oom_control`, kernel ≥ 4.13), or nil when it cannot be read.
    static func oomKillCount(cgroupsPath: String) -> Int? {
        guard let bytes = read("/sys/fs/cgroup/memory\(cgroupsPath)/memory.oom_control", limit: 4096) else { return nil }
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "))
            if fields.count == 2, String(decoding: fields[0], as: UTF8.self) == "oom_kill" {
                return Int(String(decoding: fields[1], as: UTF8.self))
            }
        }
        return nil
    }

    static func errorText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line ends.
    func trimmingSpace() -> String {
        let space: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !space($0) }), let last = lastIndex(where: { !space($0) }) else { return "" }
        return String(self[first...last])
    }
}

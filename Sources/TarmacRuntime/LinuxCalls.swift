#if canImport(Glibc)
import Glibc
#endif

/// Linux calls Swift cannot import directly (C variadics, GNU extensions), looked up with
/// dlsym once.
enum LinuxCalls {
    private typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32

    /// `prctl(PR_SET_CHILD_SUBREAPER, 1)`: orphaned descendants are reparented to this process.
    static func becomeChildSubreaper() -> Bool {
        guard let symbol = dlsym(nil, "prctl") else { return false }
        let prctl = unsafeBitCast(symbol, to: Prctl.self)
        return prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0) == 0
    }

    /// Marks every open descriptor from `lowest` upwards close-on-exec, so programs this
    /// process starts inherit only what it hands them explicitly.
    static func setCloseOnExec(from lowest: Int32) {
        guard let directory = opendir("/proc/self/fd") else { return }
        defer { closedir(directory) }
        let own = dirfd(directory)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let fd = Int32(name), fd >= lowest, fd != own else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }
}

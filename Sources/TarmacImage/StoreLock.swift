import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exclusive `flock` on `<root>/lock`, serialising every change to `refs.json`, `blobs/`
/// and `layers/` between processes (the CLI and a running server) and within one process
/// (flock locks belong to the open file description, so two opens in one process exclude
/// each other too). The locked body is synchronous and short: renames and a small JSON write.
enum StoreLock {
    static func withExclusiveLock<T>(_ lockFile: URL, _ body: () throws -> T) throws -> T {
        let fd = open(lockFile.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ImageError(.io, "cannot open lock file \(lockFile.path): \(FileSystem.errnoDescription()); check permissions of the image store")
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            let code = errno
            guard code == EINTR else {
                throw ImageError(.io, "cannot lock \(lockFile.path): \(FileSystem.errnoDescription(code))")
            }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on a per-image lock file (`<store>/locks/<digest hex>`), held across
/// the awaits of a whole pull, so pulls of one image from any number of processes run one at
/// a time. Waiting polls (`LOCK_NB`, every 50 ms) instead of blocking a thread, so waiting
/// for a long pull costs no thread and is cancellable.
///
/// Lock files are removed only by ``removeIfIdle(_:)`` (garbage collection), which unlinks
/// a file while holding its lock; a holder checks after locking that its open file is still
/// the one at the path, and starts again otherwise.
enum PullLock {
    static func withLock<T>(_ url: URL, waiting: () -> Void, _ body: () async throws -> T) async throws -> T {
        let fd = try await acquire(url, waiting: waiting)
        defer {
            flock(fd, LOCK_UN)
            close(fd)
        }
        return try await body()
    }

    private static func acquire(_ url: URL, waiting: () -> Void) async throws -> Int32 {
        var told = false
        while true {
            let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw ImageError(.io, "cannot open lock file \(url.path): \(FileSystem.errnoDescription()); check permissions of the image store")
            }
            while flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                guard code == EWOULDBLOCK || code == EINTR else {
                    close(fd)
                    throw ImageError(.io, "cannot lock \(url.path): \(FileSystem.errnoDescription(code))")
                }
                if !told {
                    told = true
                    waiting()
                }
                do {
                    try await Task.sleep(for: .milliseconds(50))
                } catch {
                    close(fd)
                    throw error
                }
            }
            if BlobDownload.isSameFile(fd, url.path) { return fd }
            // Removed by garbage collection while we waited: lock the new file instead.
            flock(fd, LOCK_UN)
            close(fd)
        }
    }

    /// Deletes the lock file when nobody holds it. Returns whether it was deleted.
    @discardableResult
    static func removeIfIdle(_ url: URL) -> Bool {
        let fd = open(url.path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false }
        defer { flock(fd, LOCK_UN) }
        guard BlobDownload.isSameFile(fd, url.path) else { return false }
        return unlink(url.path) == 0
    }
}

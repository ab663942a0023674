import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `*at` system calls the extractor is built on, wrapped for byte-string names. Every
/// call works relative to a directory descriptor and never follows a symlink in the last
/// component; callers never pass a name containing `/`.
enum UnpackCalls {
    typealias FileSetter = @convention(c) (Int32, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32) -> Int32

    /// `fsetxattr`, looked up at run time like the other xattr calls of this module.
    static var fsetxattr: FileSetter? {
        guard let pointer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "fsetxattr") else { return nil }
        return unsafeBitCast(pointer, to: FileSetter.self)
    }

    /// Calls `body` with `bytes` as a NUL-terminated C string.
    static func withCString<T>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) throws -> T) throws -> T {
        var terminated = bytes
        terminated.append(0)
        return try terminated.withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { characters in
                guard let base = characters.baseAddress else {
                    throw ImageError(.io, "empty C string")
                }
                return try body(base)
            }
        }
    }

    /// Opens the directory `name` in `parent`: nil with errno set when it cannot (`ELOOP`
    /// or `ENOTDIR` when it is a symlink or not a directory).
    static func openDirectory(_ parent: Int32, _ name: [UInt8]) throws -> Int32? {
        let fd = try withCString(name) { openat(parent, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        return fd >= 0 ? fd : nil
    }

    /// The `lstat` of `name` in `parent`, nil when it does not exist.
    static func status(_ parent: Int32, _ name: [UInt8]) throws -> stat? {
        var info = stat()
        let result = try withCString(name) { fstatat(parent, $0, &info, AT_SYMLINK_NOFOLLOW) }
        return result == 0 ? info : nil
    }

    static func isDirectory(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }

    /// Whether `info` is an overlayfs whiteout (a 0:0 character device).
    static func isWhiteout(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFCHR && info.st_rdev == 0 }

    /// Removes `name` from `parent`, recursively when it is a directory, never following
    /// symlinks. Returns errno, 0 on success or when nothing was there.
    static func removeTree(_ parent: Int32, _ name: [UInt8]) throws -> Int32 {
        if try withCString(name, { unlinkat(parent, $0, 0) }) == 0 { return 0 }
        let code = errno
        if code == ENOENT { return 0 }
        guard code == EISDIR else { return code }
        guard let fd = try openDirectory(parent, name) else { return errno }
        guard let stream = fdopendir(fd) else {
            let failure = errno
            close(fd)
            return failure
        }
        var children: [[UInt8]] = []
        while let item = readdir(stream) {
            var raw = item.pointee.d_name
            let child = withUnsafeBytes(of: &raw) { Array($0.prefix { $0 != 0 }) }
            if child == [UInt8(ascii: ".")] || child == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            children.append(child)
        }
        var failure: Int32 = 0
        for child in children where failure == 0 {
            failure = try removeTree(dirfd(stream), child)
        }
        closedir(stream)
        if failure != 0 { return failure }
        return try withCString(name) { unlinkat(parent, $0, AT_REMOVEDIR) } == 0 ? 0 : errno
    }

    /// Writes all of `bytes` to `fd`; returns errno, 0 on success.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        var offset = 0
        while offset < bytes.count {
            guard let base = bytes.baseAddress else { return 0 }
            let written = write(fd, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return 0
    }

    /// Access and modification times both set to `time`.
    static func times(_ time: TarEntry.Timestamp) -> [timespec] {
        let spec = timespec(tv_sec: Int(time.seconds), tv_nsec: Int(time.nanoseconds))
        return [spec, spec]
    }

    /// Sets an xattr on an open file; returns errno, 0 on success.
    static func setAttribute(_ fd: Int32, _ name: String, _ value: [UInt8]) -> Int32 {
        guard let setter = fsetxattr else { return ENOTSUP }
        let result = value.withUnsafeBytes { bytes in setter(fd, name, bytes.baseAddress, bytes.count, 0) }
        return result == 0 ? 0 : errno
    }

    /// Sets an xattr on `name` in `parent` itself (a symlink is not followed), through the
    /// `/proc/self/fd` link of the parent; returns errno, 0 on success.
    static func setAttribute(_ parent: Int32, _ name: [UInt8], _ attribute: String, _ value: [UInt8]) throws -> Int32 {
        guard let setter = ExtendedAttributeCalls.lsetxattr else { return ENOTSUP }
        let path = Array("/proc/self/fd/\(parent)/".utf8) + name
        let result = try withCString(path) { cPath in
            value.withUnsafeBytes { bytes in setter(cPath, attribute, bytes.baseAddress, bytes.count, 0) }
        }
        return result == 0 ? 0 : errno
    }
}

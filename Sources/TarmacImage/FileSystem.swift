import Foundation
import TarmacSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin POSIX helpers the store needs beyond FileManager: `lstat` types, `rename` without
/// replacing, device nodes and xattrs for overlayfs whiteouts, `fsync`.
enum FileSystem {
    enum Kind: Sendable, Equatable {
        case regular, directory, symlink, characterDevice, blockDevice, fifo, socket, missing
    }

    /// The type of `path` itself (symlinks are not followed).
    static func kind(_ path: String) -> Kind {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        case S_IFIFO: return .fifo
        default: return .socket
        }
    }

    static func errnoDescription(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    /// Creates directories with `mode` (applied even when the umask is stricter).
    static func makeDirectory(_ url: URL, mode: Int = 0o755) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        } catch {
            throw ImageError(.io, "cannot create directory \(url.path); check permissions (the image store needs write access to its data directory)", cause: error)
        }
    }

    /// Renames `source` to `destination`; returns false when the destination already exists.
    static func renameIfAbsent(_ source: String, to destination: String) throws -> Bool {
        if rename(source, destination) == 0 { return true }
        let code = errno
        if code == EEXIST || code == ENOTEMPTY { return false }
        throw ImageError(.io, "cannot rename \(source) to \(destination): \(errnoDescription(code))")
    }

    /// Renames `source` over `destination` (atomic replacement).
    static func replace(_ destination: String, with source: String) throws {
        guard rename(source, destination) == 0 else {
            throw ImageError(.io, "cannot rename \(source) to \(destination): \(errnoDescription())")
        }
    }

    /// Makes an overlayfs whiteout: a character device 0:0 owned by 0:0.
    static func makeWhiteout(_ path: String) throws {
        guard mknod(path, mode_t(S_IFCHR), 0) == 0 else {
            throw ImageError(.io, "cannot create whiteout device \(path): \(errnoDescription()); unpacking layers needs root (CAP_MKNOD)")
        }
        guard lchown(path, 0, 0) == 0 else {
            throw ImageError(.io, "cannot chown whiteout device \(path): \(errnoDescription())")
        }
    }

    /// Marks `directory` opaque for overlayfs (`trusted.overlay.opaque=y`).
    static func markOpaque(_ directory: String) throws {
        let value: [UInt8] = [UInt8(ascii: "y")]
        guard let setter = ExtendedAttributeCalls.lsetxattr else {
            throw ImageError(.unsupported, "this C library has no lsetxattr; cannot mark \(directory) opaque")
        }
        let result = value.withUnsafeBytes { bytes in
            setter(directory, "trusted.overlay.opaque", bytes.baseAddress, bytes.count, 0)
        }
        guard result == 0 else {
            throw ImageError(.io, "cannot set trusted.overlay.opaque on \(directory): \(errnoDescription()); unpacking layers needs root (CAP_SYS_ADMIN) and a file system with xattrs")
        }
    }

    /// Reads an xattr of `path` (symlinks not followed), nil when absent.
    static func xattr(_ path: String, _ name: String) -> [UInt8]? {
        guard let getter = ExtendedAttributeCalls.lgetxattr else { return nil }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { bytes in
            getter(path, name, bytes.baseAddress, bytes.count)
        }
        guard count >= 0 else { return nil }
        return Array(buffer.prefix(count))
    }

    static func unlinkItem(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw ImageError(.io, "cannot remove \(path): \(errnoDescription())")
        }
    }

    /// Flushes a directory entry change (after a rename) to disk; best effort.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Whether `path` appears in this mount namespace's mount table (e.g. as an overlay
    /// lowerdir), so that it must not be deleted.
    static func isMentionedInMounts(_ path: String) -> Bool {
        guard let table = ProcFile.read("/proc/self/mountinfo") else { return false }
        return table.contains(path)
    }

}

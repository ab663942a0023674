#if canImport(Glibc)
import Glibc
#endif

extension LayerExtractor {
    /// Whether an xattr from the layer is applied: `user.*`, `security.capability` and
    /// `trusted.*` except `trusted.overlay.*`, which only whiteout conversion may set.
    static func allowsAttribute(_ name: String) -> Bool {
        if name.hasPrefix("user.") || name == "security.capability" { return true }
        return name.hasPrefix("trusted.") && !name.hasPrefix("trusted.overlay.")
    }

    /// Ownership, xattrs, then mode (chown clears setuid bits and capabilities, so it
    /// goes first) on an open file or directory.
    func applyMetadata(_ fd: Int32, _ entry: TarEntry) throws {
        guard fchown(fd, uid_t(truncatingIfNeeded: entry.uid), gid_t(truncatingIfNeeded: entry.gid)) == 0 else {
            throw failure(.io, entry, "cannot be given owner \(entry.uid):\(entry.gid): \(FileSystem.errnoDescription()); unpacking layers needs root")
        }
        for (name, value) in entry.xattrs where Self.allowsAttribute(name) {
            try attributeResult(UnpackCalls.setAttribute(fd, name, value), name, entry)
        }
        guard fchmod(fd, mode_t(entry.mode & 0o7777)) == 0 else {
            throw failure(.io, entry, "cannot be given mode \(String(entry.mode, radix: 8)): \(FileSystem.errnoDescription())")
        }
    }

    /// Ownership, xattrs, mode (when given) and times of `name` in `parent` without opening
    /// it: for symlinks (never followed) and FIFOs (opening one would block).
    func applyInPlace(_ name: [UInt8], in parent: Int32, _ entry: TarEntry, mode: UInt32?) throws {
        let owned = try UnpackCalls.withCString(name) {
            fchownat(parent, $0, uid_t(truncatingIfNeeded: entry.uid), gid_t(truncatingIfNeeded: entry.gid), AT_SYMLINK_NOFOLLOW)
        }
        guard owned == 0 else {
            throw failure(.io, entry, "cannot be given owner \(entry.uid):\(entry.gid): \(FileSystem.errnoDescription())")
        }
        for (attribute, value) in entry.xattrs where Self.allowsAttribute(attribute) {
            try attributeResult(try UnpackCalls.setAttribute(parent, name, attribute, value), attribute, entry)
        }
        if let mode {
            let changed = try UnpackCalls.withCString(name) { fchmodat(parent, $0, mode_t(mode & 0o7777), 0) }
            guard changed == 0 else {
                throw failure(.io, entry, "cannot be given mode \(String(mode, radix: 8)): \(FileSystem.errnoDescription())")
            }
        }
        var times = UnpackCalls.times(entry.mtime)
        _ = try UnpackCalls.withCString(name) { utimensat(parent, $0, &times, AT_SYMLINK_NOFOLLOW) }
    }

    private func attributeResult(_ code: Int32, _ name: String, _ entry: TarEntry) throws {
        if code == 0 { return }
        // A file system without that namespace (or user.* on a symlink) loses the xattr.
        if code == ENOTSUP || code == EOPNOTSUPP || (code == EPERM && name.hasPrefix("user.")) {
            logDroppedAttribute(name, entry)
            return
        }
        throw failure(.io, entry, "cannot get xattr \(name): \(FileSystem.errnoDescription(code))")
    }
}

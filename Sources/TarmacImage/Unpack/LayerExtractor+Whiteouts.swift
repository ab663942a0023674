#if canImport(Glibc)
import Glibc
#endif

extension LayerExtractor {
    func whiteout(_ name: [UInt8], in parent: Int32, _ entry: TarEntry) throws {
        if name == Self.opaqueMarker {
            try markOpaque(parent, entry)
            return
        }
        let target = Array(name.dropFirst(Self.whiteoutPrefix.count))
        // `.wh..wh.*` other than the opaque marker is aufs bookkeeping.
        if target.starts(with: Self.whiteoutPrefix) { return }
        guard !target.isEmpty, target != [UInt8(ascii: ".")], target != [UInt8(ascii: "."), UInt8(ascii: ".")] else { return }
        guard let existing = try UnpackCalls.status(parent, target) else {
            let made = try UnpackCalls.withCString(target) { mknodat(parent, $0, S_IFCHR, 0) }
            guard made == 0 else {
                throw failure(.io, entry, "cannot become a whiteout device: \(FileSystem.errnoDescription()); unpacking layers needs root (CAP_MKNOD)")
            }
            let owned = try UnpackCalls.withCString(target) { fchownat(parent, $0, 0, 0, AT_SYMLINK_NOFOLLOW) }
            guard owned == 0 else {
                throw failure(.io, entry, "cannot chown its whiteout device: \(FileSystem.errnoDescription())")
            }
            return
        }
        // The layer itself has the name: it already hides the lower one; a directory
        // must also hide the lower directory's contents.
        if UnpackCalls.isDirectory(existing), let fd = try UnpackCalls.openDirectory(parent, target) {
            defer { _ = Glibc.close(fd) }
            try markOpaque(fd, entry)
        }
    }

    func markOpaque(_ directory: Int32, _ entry: TarEntry) throws {
        let code = UnpackCalls.setAttribute(directory, "trusted.overlay.opaque", [UInt8(ascii: "y")])
        guard code == 0 else {
            throw failure(.io, entry, "cannot mark its directory opaque (trusted.overlay.opaque): \(FileSystem.errnoDescription(code)); unpacking layers needs root (CAP_SYS_ADMIN) and a file system with xattrs")
        }
    }
}

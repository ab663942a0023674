import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging

/// Extracts a tar stream into a directory in overlayfs form, safe by construction.
///
/// - Every path is cleaned lexically: a leading `/` is dropped (as Docker does), `.` and
///   empty components vanish, `..` pops a component and an entry whose `..` would leave
///   the root is refused.
/// - Parents are opened one component at a time with `openat(O_NOFOLLOW | O_DIRECTORY)`
///   from a descriptor of the root, so a symlink (or a file) in the path of an entry is
///   refused, never followed. Files are created with `O_CREAT | O_EXCL | O_NOFOLLOW` after
///   removing whatever was there, so nothing is ever written through an existing link.
/// - Hard-link targets go through the same cleaning and walk and must already exist in
///   this layer. Symlink targets are stored as they are (they are resolved inside the
///   container later) and never followed here.
/// - Whiteouts become overlayfs whiteouts (`.wh.X` → 0:0 character device `X`,
///   `.wh..wh..opq` → `trusted.overlay.opaque=y`); device nodes are skipped; FIFOs are created.
/// - Ownership is numeric, modes keep setuid/setgid/sticky, xattrs `user.*`,
///   `security.capability` and `trusted.*` (except `trusted.overlay.*`) are applied, and
///   directory mtimes are set at the end.
///
/// Any refusal throws an `ImageError` naming the layer and the entry; the caller extracts
/// into a staging directory and deletes it on failure.
final class LayerExtractor {
    static let opaqueMarker = Array(".wh..wh..opq".utf8)
    static let whiteoutPrefix = Array(".wh.".utf8)

    let rootDescriptor: Int32
    private let label: String
    private let logger: Logger
    private var reader = TarReader()
    /// The last parent directory opened, reused while entries stay in the same directory.
    private var cachedParent: (path: ArraySlice<[UInt8]>, fd: Int32)?
    /// The regular file whose content is being written.
    private var openFile: (fd: Int32, entry: TarEntry)?
    private var directoryTimes: [(path: [[UInt8]], time: TarEntry.Timestamp)] = []
    private(set) var entryCount = 0

    /// Opens `root` (which must be a directory, not a symlink), runs `body` with an
    /// extractor for it and closes every descriptor afterwards.
    static func with<T>(root: String, label: String, logger: Logger, _ body: (LayerExtractor) throws -> T) throws -> T {
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            throw ImageError(.io, "cannot open \(root) to unpack \(label): \(FileSystem.errnoDescription())")
        }
        let extractor = LayerExtractor(rootDescriptor: fd, label: label, logger: logger)
        defer { extractor.close() }
        return try body(extractor)
    }

    private init(rootDescriptor: Int32, label: String, logger: Logger) {
        self.rootDescriptor = rootDescriptor
        self.label = label
        self.logger = logger
    }

    private func close() {
        if let file = openFile { _ = Glibc.close(file.fd) }
        openFile = nil
        forgetParent()
        _ = Glibc.close(rootDescriptor)
    }

    /// Feeds the next chunk of the (decompressed) tar stream.
    func consume(_ chunk: UnsafeRawBufferPointer) throws {
        do {
            try read(chunk)
        } catch let error as ImageError where !error.message.hasPrefix(label) {
            // The reader's own errors (a damaged header, a truncated record) get the layer name.
            throw ImageError(error.code, "\(label): \(error.message)", cause: error.cause)
        }
    }

    private func read(_ chunk: UnsafeRawBufferPointer) throws {
        try reader.read(chunk) { event in
            switch event {
            case .entry(let entry):
                entryCount += 1
                try begin(entry)
            case .data(let bytes):
                guard let file = openFile else { return }
                let code = UnpackCalls.writeAll(file.fd, bytes)
                guard code == 0 else {
                    throw failure(.io, file.entry, "cannot be written: \(FileSystem.errnoDescription(code))")
                }
            case .entryEnd:
                try finishFile()
            }
        }
    }

    /// Checks the archive was complete and sets directory modification times.
    func finish() throws {
        do {
            try reader.finish()
        } catch let error as ImageError {
            throw ImageError(error.code, "\(label): \(error.message)")
        }
        for (path, time) in directoryTimes {
            guard let fd = try? walk(path[...], create: false) else { continue }
            var times = UnpackCalls.times(time)
            _ = futimens(fd, &times)
            if fd != rootDescriptor { _ = Glibc.close(fd) }
        }
    }

    func cachedParentFD(_ parts: ArraySlice<[UInt8]>) -> Int32? {
        guard let cached = cachedParent, cached.path.elementsEqual(parts) else { return nil }
        return cached.fd
    }

    /// Caches `fd` as the directory at `parts`. Only the current entry's parent is ever
    /// cached, and any entry that replaces that directory or one of its ancestors has
    /// another parent, so the cache moves away before it could go stale.
    func remember(_ parts: ArraySlice<[UInt8]>, _ fd: Int32) {
        forgetParent()
        cachedParent = (parts, fd)
    }

    private func forgetParent() {
        if let cached = cachedParent, cached.fd != rootDescriptor { _ = Glibc.close(cached.fd) }
        cachedParent = nil
    }

    func logDroppedAttribute(_ name: String, _ entry: TarEntry) {
        logger.debug("image store: xattr not supported here, dropped", metadata: ["entry": "\(entry.displayName)", "xattr": "\(name)"])
    }

    func failure(_ code: ImageError.Code, _ entry: TarEntry, _ reason: String) -> ImageError {
        ImageError(code, "\(label): entry \"\(entry.displayName)\" \(reason)")
    }

    // MARK: - Entries

    private func begin(_ entry: TarEntry) throws {
        let parts = try Self.clean(entry.path, entry: entry, extractor: self)
        switch entry.kind {
        case .unsupported(UInt8(ascii: "V")):
            return
        case .unsupported(let flag):
            let what = flag == UInt8(ascii: "S") ? "is a GNU sparse file" : "has tar type '\(Character(Unicode.Scalar(flag)))'"
            throw failure(.unsupported, entry, "\(what), which layers may not use; rebuild the image with a standard tar")
        case .characterDevice, .blockDevice:
            logger.debug("image store: skipped device node in layer", metadata: ["entry": "\(entry.displayName)"])
            return
        default:
            break
        }
        let ids = 0..<Int(UInt32.max)
        guard ids.contains(entry.uid), ids.contains(entry.gid) else {
            throw failure(.invalidInput, entry, "has owner \(entry.uid):\(entry.gid), outside the range of Linux user and group ids")
        }
        guard let name = parts.last else {
            guard entry.kind == .directory else {
                throw failure(.invalidInput, entry, "names the layer root but is not a directory")
            }
            try applyDirectory(rootDescriptor, entry, path: [])
            return
        }
        // Entries below a whiteout name (aufs `.wh..wh.plnk/…` bookkeeping) are dropped,
        // as the whiteout itself is.
        if parts.dropLast().contains(where: { $0.starts(with: Self.whiteoutPrefix) }) { return }
        let parent = try openParent(parts.dropLast(), entry)
        if name.starts(with: Self.whiteoutPrefix) {
            try whiteout(name, in: parent, entry)
            return
        }
        switch entry.kind {
        case .directory:
            try directory(name, in: parent, path: parts, entry)
        case .regular:
            try replaceExisting(name, in: parent, entry)
            let fd = try UnpackCalls.withCString(name) { openat(parent, $0, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) }
            guard fd >= 0 else {
                throw failure(.io, entry, "cannot be created: \(FileSystem.errnoDescription())")
            }
            openFile = (fd, entry)
        case .symlink:
            guard !entry.linkTarget.contains(0) else {
                throw failure(.invalidInput, entry, "has a NUL byte in its symlink target; the layer is refused")
            }
            try replaceExisting(name, in: parent, entry)
            let result = try UnpackCalls.withCString(entry.linkTarget) { target in
                try UnpackCalls.withCString(name) { symlinkat(target, parent, $0) }
            }
            guard result == 0 else {
                throw failure(.io, entry, "cannot be created as a symlink: \(FileSystem.errnoDescription())")
            }
            try applyInPlace(name, in: parent, entry, mode: nil)
        case .hardLink:
            try hardLink(name, in: parent, entry)
        case .fifo:
            try replaceExisting(name, in: parent, entry)
            let result = try UnpackCalls.withCString(name) { mknodat(parent, $0, S_IFIFO | 0o600, 0) }
            guard result == 0 else {
                throw failure(.io, entry, "cannot be created as a FIFO: \(FileSystem.errnoDescription())")
            }
            try applyInPlace(name, in: parent, entry, mode: entry.mode)
        case .characterDevice, .blockDevice, .unsupported:
            return
        }
    }

    private func finishFile() throws {
        guard let file = openFile else { return }
        openFile = nil
        defer { _ = Glibc.close(file.fd) }
        try applyMetadata(file.fd, file.entry)
        var times = UnpackCalls.times(file.entry.mtime)
        guard futimens(file.fd, &times) == 0 else {
            throw failure(.io, file.entry, "cannot get its modification time: \(FileSystem.errnoDescription())")
        }
    }

    private func directory(_ name: [UInt8], in parent: Int32, path: [[UInt8]], _ entry: TarEntry) throws {
        var opaque = false
        if let existing = try UnpackCalls.status(parent, name), !UnpackCalls.isDirectory(existing) {
            // A directory replacing a whiteout of this same layer hides the lower one.
            opaque = UnpackCalls.isWhiteout(existing)
            try replaceExisting(name, in: parent, entry)
        }
        let made = try UnpackCalls.withCString(name) { mkdirat(parent, $0, 0o700) }
        guard made == 0 || errno == EEXIST else {
            throw failure(.io, entry, "cannot be created as a directory: \(FileSystem.errnoDescription())")
        }
        guard let fd = try UnpackCalls.openDirectory(parent, name) else {
            throw failure(.io, entry, "cannot be opened as a directory: \(FileSystem.errnoDescription())")
        }
        defer { _ = Glibc.close(fd) }
        try applyDirectory(fd, entry, path: path)
        if opaque { try markOpaque(fd, entry) }
    }

    private func applyDirectory(_ fd: Int32, _ entry: TarEntry, path: [[UInt8]]) throws {
        try applyMetadata(fd, entry)
        directoryTimes.append((path, entry.mtime))
    }

    private func hardLink(_ name: [UInt8], in parent: Int32, _ entry: TarEntry) throws {
        let target = try Self.clean(entry.linkTarget, entry: entry, extractor: self, what: "hard-link target")
        guard let targetName = target.last else {
            throw failure(.invalidInput, entry, "is a hard link to the layer root")
        }
        let targetParent: Int32
        do {
            targetParent = try walk(target.dropLast(), create: false)
        } catch {
            throw failure(.invalidInput, entry, "is a hard link to \"\(String(decoding: entry.linkTarget, as: UTF8.self))\", which is not a file in this layer")
        }
        defer { if targetParent != rootDescriptor { _ = Glibc.close(targetParent) } }
        guard let info = try UnpackCalls.status(targetParent, targetName), !UnpackCalls.isDirectory(info) else {
            throw failure(.invalidInput, entry, "is a hard link to \"\(String(decoding: entry.linkTarget, as: UTF8.self))\", which is not a file in this layer")
        }
        if let existing = try UnpackCalls.status(parent, name), existing.st_dev == info.st_dev, existing.st_ino == info.st_ino {
            return
        }
        try replaceExisting(name, in: parent, entry)
        let result = try UnpackCalls.withCString(targetName) { from in
            try UnpackCalls.withCString(name) { linkat(targetParent, from, parent, $0, 0) }
        }
        guard result == 0 else {
            throw failure(.io, entry, "cannot be created as a hard link: \(FileSystem.errnoDescription())")
        }
    }
}

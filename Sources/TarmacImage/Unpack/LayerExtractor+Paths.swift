#if canImport(Glibc)
import Glibc
#endif

extension LayerExtractor {
    /// The components of `raw` after lexical cleaning: a leading `/` dropped, `.` and empty
    /// components removed, `..` popping the previous component. Refuses a `..` that would
    /// leave the root and names containing NUL.
    static func clean(_ raw: [UInt8], entry: TarEntry, extractor: LayerExtractor, what: String = "path") throws -> [[UInt8]] {
        let shown = String(decoding: raw, as: UTF8.self)
        guard !raw.contains(0) else {
            throw extractor.failure(.invalidInput, entry, "has a NUL byte in its \(what) \"\(shown)\"; the layer is refused")
        }
        var parts: [[UInt8]] = []
        for component in raw.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if component.elementsEqual([UInt8(ascii: ".")]) { continue }
            if component.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                guard !parts.isEmpty else {
                    throw extractor.failure(.invalidInput, entry, "has \(what) \"\(shown)\", whose \"..\" escapes the layer root; the layer is refused")
                }
                parts.removeLast()
                continue
            }
            parts.append(Array(component))
        }
        return parts
    }

    /// The directory for an entry's parent, created as needed, from the cache when the
    /// previous entry had the same parent. The descriptor stays owned by the extractor.
    func openParent(_ parts: ArraySlice<[UInt8]>, _ entry: TarEntry) throws -> Int32 {
        if let cached = cachedParentFD(parts) { return cached }
        let fd = try walk(parts, create: true, entry: entry)
        remember(parts, fd)
        return fd
    }

    /// Opens `parts` below the root one component at a time, never following a symlink:
    /// a component that is a symlink or not a directory is refused. Missing components
    /// are created (mode 0755) when `create` is true. The caller closes the result unless
    /// it is the root descriptor.
    func walk(_ parts: ArraySlice<[UInt8]>, create: Bool, entry: TarEntry? = nil) throws -> Int32 {
        var fd = rootDescriptor
        var walked: [[UInt8]] = []
        for component in parts {
            walked.append(component)
            var next = try UnpackCalls.openDirectory(fd, component)
            if next == nil, errno == ENOENT, create {
                let made = try UnpackCalls.withCString(component) { mkdirat(fd, $0, 0o755) }
                if made == 0 || errno == EEXIST { next = try UnpackCalls.openDirectory(fd, component) }
            }
            guard let opened = next else {
                let code = errno
                if fd != rootDescriptor { _ = close(fd) }
                let shown = String(decoding: Array(walked.joined(separator: [UInt8(ascii: "/")])), as: UTF8.self)
                let reason = code == ELOOP || code == ENOTDIR
                    ? "goes through \"\(shown)\", which is a symlink or not a directory; extraction never follows symlinks, so the layer is refused"
                    : "cannot open its parent \"\(shown)\": \(FileSystem.errnoDescription(code))"
                if let entry { throw failure(code == ELOOP || code == ENOTDIR ? .invalidInput : .io, entry, reason) }
                throw ImageError(.io, reason)
            }
            if fd != rootDescriptor { _ = close(fd) }
            fd = opened
        }
        return fd
    }

    /// Removes whatever is at `name` (a whole directory tree included) before an entry
    /// takes its place, so nothing is ever written through an existing file or link.
    func replaceExisting(_ name: [UInt8], in parent: Int32, _ entry: TarEntry) throws {
        let code = try UnpackCalls.removeTree(parent, name)
        guard code == 0 else {
            throw failure(.io, entry, "cannot replace what an earlier entry put there: \(FileSystem.errnoDescription(code))")
        }
    }
}

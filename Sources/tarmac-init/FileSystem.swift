import Glibc

/// Small file and mount helpers over Glibc (no Foundation in the guest).
enum FileSystem {
    /// The file's bytes (at most `limit`), or nil if it cannot be read.
    static func read(_ path: String, limit: Int = 4 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while result.count < limit {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                result.append(contentsOf: chunk.prefix(count))
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 {
                return nil
            } else {
                break
            }
        }
        return result
    }

    static func readText(_ path: String) -> String? {
        read(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Replaces the file with `text` (a symlink in its place is replaced, not followed).
    static func write(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
        var info = stat()
        if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK { unlink(path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw InitError.system("cannot write \(path)") }
        defer { close(fd) }
        try writeAll(fd, Array(text.utf8), what: path)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], what: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                throw InitError.system("cannot write \(what)")
            }
        }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// `mkdir -p`.
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        guard !isDirectory(path) else { return }
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, mode) != 0 && errno != EEXIST {
                throw InitError.system("cannot create directory \(prefix)")
            }
        }
    }

    /// Entry names of a directory, without "." and "..".
    static func list(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func mount(_ source: String, on target: String, type: String?, flags: UInt = 0, options: String? = nil) throws {
        let result: Int32
        if let options {
            result = options.withCString { data in Glibc.mount(source, target, type, flags, data) }
        } else {
            result = Glibc.mount(source, target, type, flags, nil)
        }
        guard result == 0 else {
            throw InitError.system("cannot mount \(source) on \(target)\(type.map { " (\($0))" } ?? "")")
        }
    }
}

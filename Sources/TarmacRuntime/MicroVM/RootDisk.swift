import Foundation
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

/// The microVM root disks: one ext4 image per image digest (built once from the image's
/// layers, then shared read-only) and a per-start copy-on-write qcow2 overlay over it.
///
/// The layers are flattened through a read-only overlayfs mount (which resolves the
/// whiteouts and opaque directories the layer directories carry) and copied into the image
/// with `mkfs.ext4 -d`, which needs no loop device. Size: max(content × 1.5 + 256 MiB,
/// 1 GiB), as a sparse file. A build goes to a temporary file renamed into place, under an
/// exclusive `flock` per digest, so concurrent starts (in this process or another) build
/// an image once and never see a partial one.
struct RootDisk: Sendable {
    let cacheDirectory: String
    let qemuImg: String

    var diskDirectory: String { "\(cacheDirectory)/disks" }

    func basePath(digest: String) -> String {
        "\(diskDirectory)/\(digest.replacingOccurrences(of: ":", with: "-")).ext4"
    }

    /// The base ext4 image of `digest`, building it from `layers` when missing.
    func base(digest: String, layers: @Sendable () async throws -> [String]) async throws -> String {
        let path = basePath(digest: digest)
        if FileManager.default.fileExists(atPath: path) { return path }
        try createDirectory(diskDirectory)
        let lock = try await Self.lock("\(path).lock")
        defer { close(lock) }
        if FileManager.default.fileExists(atPath: path) { return path }
        try await build(layers: try await layers(), into: path)
        return path
    }

    /// Creates `overlay` (replacing an old one) backed by `base`.
    func createOverlay(_ overlay: String, base: String) async throws {
        try? FileManager.default.removeItem(atPath: overlay)
        let result = try await Command.run(try Command.resolve(qemuImg), ["create", "-q", "-f", "qcow2", "-F", "raw", "-b", base, overlay])
        guard result.succeeded else {
            throw RuntimeError(.resources, "qemu-img create of \(overlay) failed: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    private func build(layers: [String], into path: String) async throws {
        guard !layers.isEmpty else { throw RuntimeError(.imageMissing, "image has no layers") }
        let work = "\(path).build-\(getpid())"
        let mountPoint = "\(work)/root", empty = "\(work)/empty", image = "\(work)/disk.ext4"
        try? FileManager.default.removeItem(atPath: work)
        try createDirectory(mountPoint)
        try createDirectory(empty)
        defer {
            while umount2(mountPoint, Int32(MNT_DETACH)) == 0 {}
            try? FileManager.default.removeItem(atPath: work)
        }
        // overlayfs without an upper layer needs two lower layers; an empty one goes at the bottom.
        let lowers = layers.reversed() + [empty]
        for layer in lowers where layer.contains(",") || layer.contains(":") {
            throw RuntimeError(.startFailed, "layer path \(layer) contains ',' or ':' which overlayfs cannot take")
        }
        let options = "lowerdir=\(lowers.joined(separator: ":"))"
        guard Glibc.mount("tarmac-rootdisk", mountPoint, "overlay", UInt(MS_RDONLY), options) == 0 else {
            throw RuntimeError(.startFailed, "mounting the image layers at \(mountPoint) failed: \(String(cString: strerror(errno)))")
        }
        let content = try await Self.contentBytes(mountPoint)
        let size = Self.diskSize(contentBytes: content)
        let fd = open(image, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0, ftruncate(fd, off_t(size)) == 0 else {
            if fd >= 0 { close(fd) }
            throw RuntimeError(.resources, "cannot create \(image): \(String(cString: strerror(errno)))")
        }
        close(fd)
        let mkfs = try Command.resolve("mkfs.ext4")
        let result = try await Command.run(mkfs, ["-q", "-F", "-m", "0", "-L", "root", "-E", "lazy_itable_init=1,lazy_journal_init=1", "-d", mountPoint, image])
        guard result.succeeded else {
            throw RuntimeError(.resources, "mkfs.ext4 -d failed: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        guard rename(image, path) == 0 else {
            throw RuntimeError(.resources, "cannot move the root disk into \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// max(content × 1.5 + 256 MiB, 1 GiB), rounded up to a MiB.
    static func diskSize(contentBytes: UInt64) -> UInt64 {
        let mib: UInt64 = 1 << 20
        let wanted = max(contentBytes / 2 * 3 + 256 * mib, 1024 * mib)
        return (wanted + mib - 1) / mib * mib
    }

    /// Apparent size of everything under `path` (`du -sb`).
    static func contentBytes(_ path: String) async throws -> UInt64 {
        let result = try await Command.run(try Command.resolve("du"), ["-sb", path])
        guard result.succeeded, let first = result.stdout.split(whereSeparator: \.isWhitespace).first, let bytes = UInt64(first) else {
            throw RuntimeError(.resources, "du -sb \(path) failed: \(result.stderr)")
        }
        return bytes
    }

    /// Takes an exclusive flock on `path`, polling so a wait stays cancellable.
    static func lock(_ path: String) async throws -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RuntimeError(.resources, "cannot open \(path): \(String(cString: strerror(errno)))") }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            do {
                try await Task.sleep(for: .milliseconds(50))
            } catch {
                close(fd)
                throw error
            }
        }
        return fd
    }

    private func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw RuntimeError(.resources, "cannot create \(path): \(error.localizedDescription)")
        }
    }
}

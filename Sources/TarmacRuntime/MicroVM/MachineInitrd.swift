import Foundation
import TarmacGuestProtocol
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

/// A machine's initramfs: the base archive from `build-guest.sh` (tarmac-init and the
/// modules) followed by a small archive holding `/tarmac/config`. The kernel unpacks
/// concatenated newc archives in order.
///
/// The file is kept per machine and reused: when the base has not changed since the last
/// start, only the tail after the base is rewritten (no copy of the base); otherwise the
/// base is copied with `copy_file_range` (in-kernel, no user-space buffer).
enum MachineInitrd {
    /// The cpio archive holding the encoded config at `GuestProtocol.configPath`.
    static func configArchive(_ config: GuestConfig) -> [UInt8] {
        var archive = CpioWriter()
        let path = GuestProtocol.configPath.hasPrefix("/") ? String(GuestProtocol.configPath.dropFirst()) : GuestProtocol.configPath
        var directory = ""
        for component in path.split(separator: "/").dropLast() {
            directory += directory.isEmpty ? String(component) : "/\(component)"
            archive.directory(directory)
        }
        archive.file(path, contents: config.encoded(), mode: 0o600)
        return archive.finish()
    }

    /// Writes `base` + `tail` to `target`, reusing `target` when it already starts with the
    /// same base. Returns whether the base had to be copied.
    @discardableResult
    static func assemble(base: String, tail: [UInt8], into target: String) throws(RuntimeError) -> Bool {
        var baseInfo = stat()
        guard stat(base, &baseInfo) == 0 else {
            throw RuntimeError(.unsupported, "cannot read the base initrd \(base): \(String(cString: strerror(errno)))")
        }
        let baseSize = Int(baseInfo.st_size)
        let aligned = (baseSize + 3) / 4 * 4
        let stamp = "\(baseInfo.st_dev):\(baseInfo.st_ino):\(baseSize):\(baseInfo.st_mtim.tv_sec).\(baseInfo.st_mtim.tv_nsec)"
        let stampFile = "\(target).base"
        let reusable = (try? String(contentsOfFile: stampFile, encoding: .utf8)) == stamp && FileManager.default.fileExists(atPath: target)

        let fd = open(target, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RuntimeError(.resources, "cannot write \(target): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        if !reusable {
            try? FileManager.default.removeItem(atPath: stampFile)
            guard ftruncate(fd, 0) == 0 else { throw RuntimeError(.resources, "cannot truncate \(target)") }
            try copy(from: base, size: baseSize, to: fd)
        }
        // Zero padding to a 4-byte boundary, then the config archive, then cut off whatever
        // a longer earlier tail left.
        let bytes = [UInt8](repeating: 0, count: aligned - baseSize) + tail
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset, off_t(baseSize + offset)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw RuntimeError(.resources, "cannot write \(target): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        guard ftruncate(fd, off_t(baseSize + bytes.count)) == 0 else { throw RuntimeError(.resources, "cannot truncate \(target)") }
        if !reusable { try? ScratchFile.write(stamp, to: stampFile) }
        return !reusable
    }

    private static func copy(from path: String, size: Int, to output: Int32) throws(RuntimeError) {
        let input = open(path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw RuntimeError(.resources, "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(input) }
        var copied = 0
        if let copyFileRange {
            while copied < size {
                let count = copyFileRange(input, nil, output, nil, size - copied, 0)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                copied += count
            }
        }
        // Fallback (old kernels, cross-device quirks): plain reads and writes from where it stopped.
        guard lseek(input, off_t(copied), SEEK_SET) >= 0, lseek(output, off_t(copied), SEEK_SET) >= 0 else {
            throw RuntimeError(.resources, "cannot seek while copying \(path)")
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while copied < size {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw RuntimeError(.resources, "short read copying \(path)") }
            var written = 0
            while written < count {
                let result = buffer.withUnsafeBytes { write(output, $0.baseAddress.map { $0 + written }, count - written) }
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else { throw RuntimeError(.resources, "cannot write while copying \(path)") }
                written += result
            }
            copied += count
        }
    }

    private typealias CopyFileRange = @convention(c) (Int32, UnsafeMutablePointer<Int64>?, Int32, UnsafeMutablePointer<Int64>?, Int, UInt32) -> Int
    /// Looked up at run time: Swift's Glibc module does not import this GNU extension.
    private static let copyFileRange: CopyFileRange? = dlsym(nil, "copy_file_range").map { unsafeBitCast($0, to: CopyFileRange.self) }
}

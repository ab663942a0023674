import Foundation
import TarmacGuestProtocol

/// The initramfs a microVM boots: the base archive from `scripts/build-guest.sh`
/// (`initrd.cpio`: `/init`, the virtio modules) followed by a small per-machine archive
/// holding the run configuration at `GuestProtocol.configPath`. The kernel unpacks
/// concatenated newc archives in order; the base ends on a 512-byte boundary and this
/// archive is padded to 4 bytes, as the format wants.
public enum GuestInitramfs {
    /// A newc archive with `tarmac/` and `tarmac/config` (mode 0600, root-owned).
    public static func configArchive(_ config: GuestConfig) -> [UInt8] {
        var archive: [UInt8] = []
        let path = String(GuestProtocol.configPath.drop { $0 == "/" })
        let directory = path.split(separator: "/").dropLast().joined(separator: "/")
        var inode: UInt32 = 0x7A_0000
        if !directory.isEmpty {
            inode += 1
            appendEntry(&archive, name: directory, mode: 0o040755, inode: inode, nlink: 2, data: [])
        }
        inode += 1
        appendEntry(&archive, name: path, mode: 0o100600, inode: inode, nlink: 1, data: config.encoded())
        appendEntry(&archive, name: "TRAILER!!!", mode: 0, inode: 0, nlink: 1, data: [])
        return archive
    }

    /// Writes `base` followed by the configuration archive to `path` (replacing it atomically).
    public static func write(base: String, config: GuestConfig, to path: String) throws {
        guard var bytes = FileManager.default.contents(atPath: base) else {
            throw RuntimeError(.imageMissing, "no base initramfs at \(base) (run scripts/build-guest.sh)")
        }
        // The kernel expects the next archive on a 4-byte boundary (build-guest.sh pads to 512).
        while bytes.count % 4 != 0 { bytes.append(0) }
        bytes.append(contentsOf: configArchive(config))
        let temporary = "\(path).tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
            throw RuntimeError(.internalError, "cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw RuntimeError(.internalError, "cannot rename \(temporary) to \(path): \(String(cString: strerror(code)))")
        }
    }

    private static func appendEntry(_ archive: inout [UInt8], name: String, mode: UInt32, inode: UInt32, nlink: UInt32, data: [UInt8]) {
        let nameBytes = Array(name.utf8) + [0]
        let fields: [UInt32] = [inode, mode, 0, 0, nlink, 0, UInt32(data.count), 0, 0, 0, 0, UInt32(nameBytes.count), 0]
        archive += Array("070701".utf8)
        for field in fields { archive += Array(hex8(field).utf8) }
        archive += nameBytes
        pad(&archive)
        archive += data
        pad(&archive)
    }

    private static func hex8(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    private static func pad(_ archive: inout [UInt8]) {
        while archive.count % 4 != 0 { archive.append(0) }
    }
}

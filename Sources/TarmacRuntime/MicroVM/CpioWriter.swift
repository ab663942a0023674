/// Builds a `newc` (SVR4, no checksum) cpio archive in memory: the format the Linux kernel
/// unpacks as an initramfs. Pure; the per-machine initrd appends one of these (holding
/// `/tarmac/config`) to the base archive, and the kernel unpacks both in order.
///
/// Each entry is a 110-byte ASCII header (`070701` and thirteen 8-digit hex fields), the
/// NUL-terminated name padded to 4 bytes, then the data padded to 4 bytes. The archive
/// ends with an entry named `TRAILER!!!`.
public struct CpioWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var nextInode: UInt32 = 1
    private var finished = false

    public init() {}

    /// A directory (`name` without leading slash, e.g. `tarmac`).
    public mutating func directory(_ name: String, mode: UInt32 = 0o755) {
        append(name: name, mode: 0o040000 | (mode & 0o7777), data: [], links: 2)
    }

    /// A regular file.
    public mutating func file(_ name: String, contents: [UInt8], mode: UInt32 = 0o644) {
        append(name: name, mode: 0o100000 | (mode & 0o7777), data: contents, links: 1)
    }

    /// A symbolic link pointing at `target`.
    public mutating func symlink(_ name: String, target: String) {
        append(name: name, mode: 0o120777, data: Array(target.utf8), links: 1)
    }

    /// Appends the trailer and returns the archive. Further entries are not allowed.
    public mutating func finish() -> [UInt8] {
        if !finished {
            append(name: "TRAILER!!!", mode: 0, data: [], links: 1, inode: 0)
            finished = true
        }
        return bytes
    }

    private mutating func append(name: String, mode: UInt32, data: [UInt8], links: UInt32, inode: UInt32? = nil) {
        precondition(!finished, "CpioWriter: entry after finish()")
        let trimmed = name.hasPrefix("/") ? String(name.dropFirst()) : name
        let nameBytes = Array(trimmed.utf8) + [0]
        let fields: [UInt32] = [
            inode ?? nextInode, mode, 0, 0, links, 0, UInt32(data.count),
            0, 0, 0, 0, UInt32(nameBytes.count), 0,
        ]
        if inode == nil { nextInode += 1 }
        bytes += Array("070701".utf8)
        for field in fields { bytes += Self.hex8(field) }
        bytes += nameBytes
        pad()
        bytes += data
        pad()
    }

    private mutating func pad() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    static func hex8(_ value: UInt32) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        return (0..<8).reversed().map { digits[Int((value >> (UInt32($0) * 4)) & 0xF)] }
    }
}

/// A tar member with its extended headers (GNU long names, PAX records) already applied.
struct TarEntry: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case regular, hardLink, symlink, characterDevice, blockDevice, directory, fifo
        /// A GNU sparse file, a multi-volume continuation or a type this reader does not know.
        case unsupported(UInt8)
    }

    /// The member name exactly as the archive spells it.
    var path: [UInt8]
    /// The target of a symlink or hard link.
    var linkTarget: [UInt8]
    var kind: Kind
    /// Permission bits including setuid, setgid and sticky.
    var mode: UInt32
    var uid: Int
    var gid: Int
    /// Bytes of content that follow the header (only regular files have any we keep).
    var size: Int64
    var mtime: Timestamp
    /// Extended attributes from `SCHILY.xattr.*` PAX records, in archive order.
    var xattrs: [(name: String, value: [UInt8])]

    struct Timestamp: Sendable, Equatable {
        var seconds: Int64
        var nanoseconds: Int64
    }

    /// The name for messages (invalid UTF-8 shown as replacement characters).
    var displayName: String { String(decoding: path, as: UTF8.self) }

    static func == (lhs: TarEntry, rhs: TarEntry) -> Bool {
        lhs.path == rhs.path && lhs.linkTarget == rhs.linkTarget && lhs.kind == rhs.kind && lhs.mode == rhs.mode
            && lhs.uid == rhs.uid && lhs.gid == rhs.gid && lhs.size == rhs.size && lhs.mtime == rhs.mtime
            && lhs.xattrs.map(\.name) == rhs.xattrs.map(\.name) && lhs.xattrs.map(\.value) == rhs.xattrs.map(\.value)
    }

    static func kind(typeflag: UInt8, name: [UInt8]) -> Kind {
        switch typeflag {
        case UInt8(ascii: "0"), UInt8(ascii: "7"):
            .regular
        case 0:
            // Old v7 archives mark directories only by a trailing slash.
            name.last == UInt8(ascii: "/") ? .directory : .regular
        case UInt8(ascii: "1"): .hardLink
        case UInt8(ascii: "2"): .symlink
        case UInt8(ascii: "3"): .characterDevice
        case UInt8(ascii: "4"): .blockDevice
        case UInt8(ascii: "5"): .directory
        case UInt8(ascii: "6"): .fifo
        default: .unsupported(typeflag)
        }
    }
}

import Foundation
import Logging

/// Turns an extracted OCI layer into overlayfs form, in place:
///
/// - `.wh..wh..opq` in a directory → `trusted.overlay.opaque=y` on that directory;
/// - `.wh.NAME` → a 0:0 character device `NAME` (unless the layer itself has `NAME`, which
///   then already hides the lower one; a directory gets marked opaque);
/// - other `.wh..wh.*` entries (aufs bookkeeping) are dropped;
/// - block and character devices from the layer are dropped (containers get their devices
///   from the runtime, never from an image).
///
/// Symlinks are never followed: only real directories are descended into.
struct LayerConverter {
    var root: String
    var logger: Logger

    static let opaqueMarker = ".wh..wh..opq"
    static let whiteoutPrefix = ".wh."

    func convert() throws {
        try convert(directory: root)
    }

    private func convert(directory: String) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw ImageError(.io, "cannot list \(directory) while converting whiteouts", cause: error)
        }
        var subdirectories: [String] = []
        var whiteouts: [String] = []
        for name in names.sorted() {
            let path = directory + "/" + name
            if name.hasPrefix(Self.whiteoutPrefix) {
                whiteouts.append(name)
                continue
            }
            switch FileSystem.kind(path) {
            case .characterDevice, .blockDevice:
                try FileSystem.unlinkItem(path)
                logger.debug("image store: skipped device node in layer", metadata: ["path": "\(path)"])
            case .directory:
                subdirectories.append(path)
            default:
                break
            }
        }
        for name in whiteouts {
            try removeTree(directory + "/" + name)
            if name == Self.opaqueMarker {
                try FileSystem.markOpaque(directory)
                continue
            }
            if name.hasPrefix(Self.whiteoutPrefix + Self.whiteoutPrefix) { continue }
            let target = String(name.dropFirst(Self.whiteoutPrefix.count))
            guard !target.isEmpty, target != ".", target != "..", !target.contains("/") else { continue }
            let targetPath = directory + "/" + target
            switch FileSystem.kind(targetPath) {
            case .missing:
                try FileSystem.makeWhiteout(targetPath)
            case .directory:
                try FileSystem.markOpaque(targetPath)
            default:
                break
            }
        }
        for subdirectory in subdirectories {
            try convert(directory: subdirectory)
        }
    }

    private func removeTree(_ path: String) throws {
        if FileSystem.kind(path) == .directory {
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw ImageError(.io, "cannot remove \(path)", cause: error)
            }
        } else {
            try FileSystem.unlinkItem(path)
        }
    }
}

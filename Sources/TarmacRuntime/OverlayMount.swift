import Foundation
import TarmacSystem

/// The container rootfs: an overlayfs of the image layers (read-only) and a per-machine
/// upper directory, mounted with mount(2) directly (no `mount` process on the start path).
enum OverlayMount {
    struct Entry: Hashable {
        var source: String
        var target: String
        var type: String
    }

    /// Mounts `layers` (lowest first, as images list them) under `upper`/`work` at `target`.
    /// `source` names the mount in /proc/self/mountinfo so orphans can be recognised.
    static func mount(source: String, layers: [String], upper: String, work: String, target: String) throws(RuntimeError) {
        guard !layers.isEmpty else {
            throw RuntimeError(.imageMissing, "image has no layers to mount")
        }
        for path in layers + [upper, work, target] where path.contains(",") || path.contains(":") {
            throw RuntimeError(.startFailed, "path \(path) contains ',' or ':' which overlayfs cannot take")
        }
        // overlayfs wants the top layer first.
        let options = "lowerdir=\(layers.reversed().joined(separator: ":")),upperdir=\(upper),workdir=\(work)"
        guard options.utf8.count < 4096 else {
            throw RuntimeError(.resources, "image has too many layers (\(layers.count)) for one overlay mount's options (4 KiB)")
        }
        guard Glibc.mount(source, target, "overlay", 0, options) == 0 else {
            let code = errno
            throw RuntimeError(.startFailed, "mounting the rootfs overlay at \(target) failed: \(String(cString: strerror(code)))")
        }
    }

    /// Lazily unmounts `target`; true when something was unmounted.
    @discardableResult
    static func unmount(_ target: String) -> Bool {
        var unmounted = false
        // Stacked mounts (a crash between two starts) need one call each.
        while umount2(target, Int32(MNT_DETACH)) == 0 { unmounted = true }
        return unmounted
    }

    /// Overlay mounts whose source starts with `sourcePrefix`.
    static func mounts(sourcePrefix: String) -> [Entry] {
        guard let text = ProcFile.read("/proc/self/mountinfo") else { return [] }
        return text.split(separator: "\n").compactMap { line in
            // `id parent major:minor root mountpoint options [optional…] - fstype source superoptions`
            let fields = line.split(separator: " ")
            guard fields.count > 5, let separator = fields.firstIndex(of: "-"), separator + 2 < fields.count else { return nil }
            let entry = Entry(source: unescape(fields[separator + 2]), target: unescape(fields[4]), type: String(fields[separator + 1]))
            return entry.type == "overlay" && entry.source.hasPrefix(sourcePrefix) ? entry : nil
        }
    }

    /// mountinfo escapes space, tab, newline and backslash as `\ooo`.
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        var iterator = Array(field.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "\\"), iterator.count >= 3,
               let value = UInt8(String(decoding: iterator.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                iterator = iterator.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

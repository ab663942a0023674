import Foundation

/// The guest kernel and base initramfs that `scripts/build-guest.sh` produces:
/// `vmlinux` (uncompressed, booted through PVH), `initrd.cpio` (`/init` = tarmac-init plus
/// the virtio modules), `kernel-version` and `manifest`.
public struct GuestArtifacts: Sendable, Hashable {
    public var directory: String
    public var kernel: String { "\(directory)/vmlinux" }
    public var initrd: String { "\(directory)/initrd.cpio" }
    public var kernelVersionFile: String { "\(directory)/kernel-version" }

    public init(directory: String) {
        self.directory = directory
    }

    /// Whether the kernel and initrd are present.
    public var exist: Bool {
        FileManager.default.isReadableFile(atPath: kernel) && FileManager.default.isReadableFile(atPath: initrd)
    }

    /// Throws a message that says how to build the artefacts when they are missing.
    public func check() throws(RuntimeError) {
        guard exist else {
            throw RuntimeError(.unsupported, "the microVM guest artefacts are missing in \(directory) (need vmlinux and initrd.cpio): run scripts/build-guest.sh --out \(directory)")
        }
    }

    /// The guest kernel's version, or a fingerprint of the vmlinux file (size and mtime).
    public var kernelIdentity: String {
        if let text = try? String(contentsOfFile: kernelVersionFile, encoding: .utf8) {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { return trimmed }
        }
        return Self.fingerprint(kernel)
    }

    /// `size:mtime` of a file, to notice when it was replaced.
    static func fingerprint(_ path: String) -> String {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return "missing" }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(size):\(Int64(modified))"
    }
}

import CTarmacInit
import Glibc

/// Finds named virtio-serial ports: `/sys/class/virtio-ports/vportNpM/name` holds the name
/// QEMU gave the port, `/dev/vportNpM` is its node (created by devtmpfs; made here from
/// the sysfs `dev` numbers if missing, as there is no udev).
enum VirtioPorts {
    static let sysfs = "/sys/class/virtio-ports"

    /// Device paths by port name, for the ports that are named already.
    static func scan() -> [String: String] {
        var found: [String: String] = [:]
        for entry in FileSystem.list(sysfs) {
            guard let raw = FileSystem.readText("\(sysfs)/\(entry)/name") else { continue }
            let name = raw.trimmingSpaces.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            guard !name.isEmpty else { continue }
            found[name] = "/dev/\(entry)"
        }
        return found
    }

    /// Waits (up to `timeout`) until every name in `names` has a port, and returns the
    /// device nodes of those that appeared.
    static func wait(for names: [String], timeout: Duration) -> [String: String] {
        var latest: [String: String] = [:]
        _ = Deadline.poll(timeout: timeout) { () -> Bool? in
            latest = scan()
            return names.allSatisfy { latest[$0] != nil } ? true : nil
        }
        for (_, path) in latest { ensureNode(path) }
        return latest
    }

    private static func ensureNode(_ path: String) {
        guard !FileSystem.exists(path), let entry = path.split(separator: "/").last,
              let numbers = FileSystem.readText("\(sysfs)/\(entry)/dev")?.trimmingSpaces.split(whereSeparator: \.isNewline).first
        else { return }
        let parts = numbers.split(separator: ":").compactMap { UInt32($0) }
        guard parts.count == 2 else { return }
        _ = mknod(path, S_IFCHR | 0o600, dev_t(tarmac_makedev(parts[0], parts[1])))
    }
}

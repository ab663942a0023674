import CTarmacInit
import Glibc

/// Loads the kernel modules shipped in the base initramfs: the guest kernel builds virtio
/// (ring, mmio transport, block, net, console) as modules. There is no modules.dep, so
/// modules are loaded in the order `scripts/build-guest.sh` wrote to `/lib/modules/order`
/// (dependencies first), and any that fail are retried for as long as a pass makes progress.
enum ModuleLoader {
    static let directory = "/lib/modules"

    static func loadAll() throws {
        var remaining = order()
        var failures: [(name: String, code: Int32)] = []
        while !remaining.isEmpty {
            failures = []
            for name in remaining {
                let code = load("\(directory)/\(name).ko")
                if code != 0 { failures.append((name, code)) }
            }
            guard failures.count < remaining.count else { break }
            remaining = failures.map(\.name)
        }
        guard failures.isEmpty else {
            let list = failures.map { "\($0.name) (\(String(cString: strerror($0.code))))" }.joined(separator: ", ")
            throw InitError("cannot load kernel modules: \(list)")
        }
    }

    /// Module names in load order: the order file, else every `.ko` in the directory.
    private static func order() -> [String] {
        if let text = FileSystem.readText("\(directory)/order") {
            return text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
        }
        return FileSystem.list(directory).filter { $0.hasSuffix(".ko") }.map { String($0.dropLast(3)) }.sorted()
    }

    /// 0 when loaded (or already there), else the errno.
    private static func load(_ path: String) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        if tarmac_finit_module(fd) == 0 { return 0 }
        let code = errno
        return code == EEXIST ? 0 : code
    }
}

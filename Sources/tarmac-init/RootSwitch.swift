import Glibc
import TarmacGuestProtocol

/// Mounts the machine's root disk and makes it `/`, the way `switch_root` does: move the
/// API file systems into it, move it over the initramfs root, chroot. Then the mounts that
/// belong to the new root (/dev/pts, /dev/shm, cgroup2, the machine's volumes).
struct RootSwitch {
    static let newRoot = "/newroot"
    /// How long block devices may take to appear (virtio probing is asynchronous).
    static let deviceTimeout: Duration = .seconds(10)

    let config: GuestConfig

    func run() throws {
        try waitForDevice(config.rootDevice)
        try FileSystem.makeDirectories(Self.newRoot)
        try FileSystem.mount(config.rootDevice, on: Self.newRoot, type: config.rootFSType.isEmpty ? "ext4" : config.rootFSType)
        Console.debug("root \(config.rootDevice) mounted")
        for api in ["/dev", "/proc", "/sys"] {
            try FileSystem.makeDirectories(Self.newRoot + api)
            try FileSystem.mount(api, on: Self.newRoot + api, type: nil, flags: UInt(MS_MOVE))
        }
        freeInitramfs()
        guard chdir(Self.newRoot) == 0 else { throw InitError.system("cannot enter \(Self.newRoot)") }
        try FileSystem.mount(".", on: "/", type: nil, flags: UInt(MS_MOVE))
        guard chroot(".") == 0 else { throw InitError.system("cannot chroot into the root file system") }
        guard chdir("/") == 0 else { throw InitError.system("cannot enter /") }
        mountSupport()
        for mount in config.mounts {
            try waitForDevice(mount.device)
            try FileSystem.makeDirectories(mount.path)
            try FileSystem.mount(mount.device, on: mount.path, type: mount.fsType.isEmpty ? "ext4" : mount.fsType)
            Console.debug("mounted \(mount.device) on \(mount.path)")
        }
    }

    private func waitForDevice(_ path: String) throws {
        guard Deadline.poll(timeout: Self.deviceTimeout, { FileSystem.exists(path) ? true : nil }) != nil else {
            throw InitError("block device \(path) did not appear within \(Self.deviceTimeout) (is the disk attached?)")
        }
    }

    /// The initramfs stays mounted (hidden) under the new root; drop its big files so
    /// their memory is returned. Init's own binary stays mapped until power-off either way.
    private func freeInitramfs() {
        for name in FileSystem.list(ModuleLoader.directory) { unlink("\(ModuleLoader.directory)/\(name)") }
        unlink(GuestProtocol.configPath)
        unlink("/init")
    }

    /// File systems programs expect; failures are not fatal (an image may lack the dirs
    /// and be read-only), so they are only traced.
    private func mountSupport() {
        let mounts: [(source: String, target: String, type: String, flags: Int, options: String)] = [
            ("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5"),
            ("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"),
            ("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, ""),
            ("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, ""),
        ]
        for mount in mounts {
            do {
                try FileSystem.makeDirectories(mount.target)
                try FileSystem.mount(mount.source, on: mount.target, type: mount.type, flags: UInt(mount.flags), options: mount.options)
            } catch {
                Console.debug("\(error)")
            }
        }
        // An empty /run in the image becomes a tmpfs, as an init system would make it.
        if FileSystem.isDirectory("/run") && FileSystem.list("/run").isEmpty {
            do {
                try FileSystem.mount("tmpfs", on: "/run", type: "tmpfs", flags: UInt(MS_NOSUID | MS_NODEV), options: "mode=0755")
            } catch {
                Console.debug("\(error)")
            }
        }
        for (link, target) in [("/dev/fd", "/proc/self/fd"), ("/dev/stdin", "/proc/self/fd/0"),
                               ("/dev/stdout", "/proc/self/fd/1"), ("/dev/stderr", "/proc/self/fd/2")] {
            _ = symlink(target, link)
        }
    }
}

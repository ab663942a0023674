import TarmacModel

/// Builds the OCI runtime spec (`config.json`) of a machine's container. Pure: every host
/// fact (paths, the resolved user, swap accounting) comes in through `Input`.
public enum OCISpecBuilder {
    public struct Input: Sendable, Hashable {
        public var process: ProcessSpec
        public var user: ImageUser
        public var hostname: String
        /// Rootfs path, relative to the bundle (`rootfs`) or absolute.
        public var rootfsPath: String
        /// Network namespace to join; nil gives the container a new, empty one.
        public var networkNamespacePath: String?
        /// cgroup path relative to each controller's root, e.g. `/tarmac/<machineID>`.
        public var cgroupsPath: String
        public var cpus: Int
        public var memoryMB: Int
        /// Whether the memory controller has swap accounting (`memory.memsw.*`); when it does,
        /// memory+swap is capped at the memory limit (no swap).
        public var swapAccounting: Bool
        /// Host files bind-mounted read-only over the image's `/etc/resolv.conf`, `/etc/hosts`, `/etc/hostname`.
        public var resolvConfPath: String
        public var hostsPath: String
        public var hostnamePath: String
        public var openFilesLimit: UInt64
        /// Host path of a static init (tini) bind-mounted at `initMountPoint` and run as PID 1.
        public var initPath: String?

        public init(
            process: ProcessSpec, user: ImageUser, hostname: String, rootfsPath: String, networkNamespacePath: String?,
            cgroupsPath: String, cpus: Int, memoryMB: Int, swapAccounting: Bool, resolvConfPath: String, hostsPath: String,
            hostnamePath: String, openFilesLimit: UInt64 = 1_048_576, initPath: String? = nil
        ) {
            self.initPath = initPath
            self.process = process
            self.user = user
            self.hostname = hostname
            self.rootfsPath = rootfsPath
            self.networkNamespacePath = networkNamespacePath
            self.cgroupsPath = cgroupsPath
            self.cpus = cpus
            self.memoryMB = memoryMB
            self.swapAccounting = swapAccounting
            self.resolvConfPath = resolvConfPath
            self.hostsPath = hostsPath
            self.hostnamePath = hostnamePath
            self.openFilesLimit = openFilesLimit
        }
    }

    /// `PATH` added when the process environment has none (the same default Docker uses).
    public static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// The capability set a container's root gets: Docker's and containerd's default set
    /// (a superset of `runc spec`'s three, so images that drop privileges with setuid/chown work).
    public static let defaultCapabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]

    /// Where the init program appears inside the container.
    public static let initMountPoint = "/.tarmac/init"

    /// The process's argv, behind the init when there is one (`tini -g --`: signals go to
    /// the process's whole group, like Fly's init forwards them).
    static func arguments(_ input: Input) -> [String] {
        guard input.initPath != nil else { return input.process.args }
        return [initMountPoint, "-g", "--"] + input.process.args
    }

    /// CFS period used for the CPU quota (100 ms, the kernel default).
    public static let cpuPeriod: UInt64 = 100_000

    public static func build(_ input: Input) -> OCISpec {
        // A non-root user keeps the bounding set but starts with no effective capabilities,
        // like `docker run --user` (it can regain them only through file capabilities).
        let capabilities = input.user.isRoot ? defaultCapabilities : []
        let process = OCISpec.Process(
            user: OCISpec.User(uid: input.user.uid, gid: input.user.gid,
                               additionalGids: input.user.additionalGids.isEmpty ? nil : input.user.additionalGids),
            args: arguments(input),
            env: environment(input.process.env),
            cwd: workingDirectory(input.process.workingDirectory),
            capabilities: OCISpec.Capabilities(
                bounding: defaultCapabilities, effective: capabilities, inheritable: [], permitted: capabilities, ambient: []),
            rlimits: [OCISpec.Rlimit(type: "RLIMIT_NOFILE", hard: input.openFilesLimit, soft: input.openFilesLimit)],
            noNewPrivileges: false
        )
        var namespaces = ["pid", "ipc", "uts", "mount"].map { OCISpec.Namespace(type: $0, path: nil) }
        namespaces.append(OCISpec.Namespace(type: "network", path: input.networkNamespacePath))

        var resources = OCISpec.Resources(devices: [OCISpec.DeviceRule(allow: false, access: "rwm")])
        if input.memoryMB > 0 {
            let limit = Int64(input.memoryMB) * 1024 * 1024
            resources.memory = OCISpec.Memory(limit: limit, swap: input.swapAccounting ? limit : nil)
        }
        if input.cpus > 0 {
            resources.cpu = OCISpec.CPU(quota: Int64(input.cpus) * Int64(cpuPeriod), period: cpuPeriod)
        }

        return OCISpec(
            process: process,
            root: OCISpec.Root(path: input.rootfsPath, readonly: false),
            hostname: input.hostname,
            mounts: standardMounts + [
                bindReadOnly(input.resolvConfPath, to: "/etc/resolv.conf"),
                bindReadOnly(input.hostsPath, to: "/etc/hosts"),
                bindReadOnly(input.hostnamePath, to: "/etc/hostname"),
            ] + (input.initPath.map { [OCISpec.Mount(destination: initMountPoint, type: "bind", source: $0, options: ["bind", "ro", "nosuid", "nodev"])] } ?? []),
            linux: OCISpec.Linux(
                cgroupsPath: input.cgroupsPath,
                resources: resources,
                namespaces: namespaces,
                maskedPaths: [
                    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                    "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
                ],
                readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
            )
        )
    }

    /// Drops duplicate keys (a later entry wins but keeps the first one's position) and adds
    /// a default `PATH` when missing.
    static func environment(_ entries: [String]) -> [String] {
        var order: [String] = []
        var values: [String: String] = [:]
        for entry in entries {
            let key = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? entry
            guard !key.isEmpty else { continue }
            if values[key] == nil { order.append(key) }
            values[key] = entry
        }
        var result = order.compactMap { values[$0] }
        if values["PATH"] == nil { result.insert(defaultPath, at: 0) }
        return result
    }

    static func workingDirectory(_ path: String) -> String {
        if path.isEmpty { return "/" }
        return path.hasPrefix("/") ? path : "/" + path
    }

    static func bindReadOnly(_ source: String, to destination: String) -> OCISpec.Mount {
        OCISpec.Mount(destination: destination, type: "bind", source: source, options: ["rbind", "ro", "nosuid", "nodev", "noexec"])
    }

    /// The mounts `runc spec` generates.
    static let standardMounts: [OCISpec.Mount] = [
        OCISpec.Mount(destination: "/proc", type: "proc", source: "proc", options: []),
        OCISpec.Mount(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        OCISpec.Mount(destination: "/dev/pts", type: "devpts", source: "devpts",
                      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
        OCISpec.Mount(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        OCISpec.Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
        OCISpec.Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
        OCISpec.Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
    ]
}

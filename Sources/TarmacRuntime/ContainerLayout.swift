import TarmacNet

/// Where one machine's container lives on disk and how its host resources are named.
///
/// ```
/// <machineDirectory>/bundle/config.json     OCI spec, rewritten each start
/// <machineDirectory>/bundle/rootfs/         overlay mount point (image layers + upper)
/// <machineDirectory>/bundle/etc/            resolv.conf, hosts, hostname (bind-mounted ro)
/// <machineDirectory>/overlay/{upper,work}   writable layer, emptied each start
/// <machineDirectory>/state/                 init.pid, runc.log, shim.log, shim.pid (per start)
/// <machineDirectory>/exits/<instanceID>.json exit status of one start, written by its shim
/// ```
/// Exit files live outside the per-start state so that a start replacing a still-running
/// instance cannot lose or mix up the old instance's exit status.
/// Host-global names carry `prefix`: netns `<prefix>-<id>`, cgroup `/<prefix>/<id>`, overlay
/// source `<prefix>-<id>`.
struct ContainerLayout: Sendable, Hashable {
    var machineID: String
    var machineDirectory: String
    var runcRoot: String
    var prefix: String
    /// This start's exit file (`exits/<instanceID>.json`).
    var exitFile: String

    var containerID: String { machineID }
    var bundle: String { "\(machineDirectory)/bundle" }
    var configFile: String { "\(bundle)/config.json" }
    var rootfs: String { "\(bundle)/rootfs" }
    var etcDirectory: String { "\(bundle)/etc" }
    var resolvConf: String { "\(etcDirectory)/resolv.conf" }
    var hosts: String { "\(etcDirectory)/hosts" }
    var hostname: String { "\(etcDirectory)/hostname" }
    var overlayDirectory: String { "\(machineDirectory)/overlay" }
    var upper: String { "\(overlayDirectory)/upper" }
    var work: String { "\(overlayDirectory)/work" }
    var stateDirectory: String { "\(machineDirectory)/state" }
    var pidFile: String { "\(stateDirectory)/init.pid" }
    var runcLog: String { "\(stateDirectory)/runc.log" }
    var shimLog: String { "\(stateDirectory)/shim.log" }
    var shimPidFile: String { "\(stateDirectory)/shim.pid" }
    var exitDirectory: String { "\(machineDirectory)/exits" }
    var runcStateDirectory: String { "\(runcRoot)/\(containerID)" }
    var cgroupsPath: String { "/\(prefix)/\(machineID)" }
    var overlaySource: String { "\(prefix)-\(machineID)" }
    var network: MachineNetwork { MachineNetwork(machineID: machineID, prefix: prefix) }

    /// Keys of `RuntimeHandle.details`.
    enum Key {
        static let containerID = "containerID"
        static let machineDirectory = "machineDirectory"
        static let bundle = "bundle"
        static let runcRoot = "runcRoot"
        static let prefix = "resourcePrefix"
        static let exitFile = "exitFile"
        static let netns = "netns"
        static let veth = "veth"
        static let cgroupsPath = "cgroupsPath"
        static let processStartTime = "processStartTime"
        static let logPath = "logPath"
    }

    var details: [String: String] {
        [
            Key.containerID: containerID, Key.machineDirectory: machineDirectory, Key.bundle: bundle,
            Key.runcRoot: runcRoot, Key.prefix: prefix, Key.exitFile: exitFile, Key.netns: network.namespaceName,
            Key.veth: network.hostInterfaceName, Key.cgroupsPath: cgroupsPath,
        ]
    }

    /// Rebuilds the layout from a persisted handle; missing details fall back to the
    /// driver's configuration (handles written by an older version).
    init(handle: RuntimeHandle, runcRoot: String, prefix: String) throws(RuntimeError) {
        guard let machineDirectory = handle.details[Key.machineDirectory] else {
            throw RuntimeError(.internalError, "runtime handle of machine \(handle.machineID) has no machine directory")
        }
        self.init(
            machineID: handle.machineID, machineDirectory: machineDirectory,
            runcRoot: handle.details[Key.runcRoot] ?? runcRoot, prefix: handle.details[Key.prefix] ?? prefix, instanceID: ""
        )
        if let exitFile = handle.details[Key.exitFile] { self.exitFile = exitFile }
    }

    init(machineID: String, machineDirectory: String, runcRoot: String, prefix: String, instanceID: String) {
        self.machineID = machineID
        self.machineDirectory = machineDirectory
        self.runcRoot = runcRoot
        self.prefix = prefix
        let name = instanceID.filter { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
        self.exitFile = "\(machineDirectory)/exits/\(name.isEmpty ? "exit" : name).json"
    }
}

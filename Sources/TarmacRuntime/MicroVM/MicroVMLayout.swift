import TarmacNet

/// Where one microVM's files live and how its host resources are named.
///
/// ```
/// <machineDirectory>/vm/                   per-start files; cleanup removes the directory
///     overlay.qcow2                        copy-on-write disk over the image's base ext4
///     qmp.sock, control.sock               QMP and the guest control port (virtio-serial)
///     qemu.pid, qemu.args                  QEMU's pid file and its exact arguments (JSON)
///     handle.json                          the handle details, for resume
/// <machineDirectory>/initrd.img            base initrd + this machine's config (reused file)
/// <machineDirectory>/exits/<instance>.exit exit report the guest init writes (port tarmac.exit)
/// <machineDirectory>/exits/<instance>.killed  marker: the driver killed QEMU itself
/// <machineDirectory>/exits/<instance>.suspended  marker: QEMU ended because of a suspend
/// <machineDirectory>/snapshot/             a suspended VM: `vm/` renamed, plus `state`
/// ```
/// Exit files live outside `vm/` so that a start replacing a running instance cannot lose
/// the old instance's report. The TAP device is `<prefix>` (at most 7 characters) + `v` +
/// 7 hex digits of a hash of prefix and machine id, with the alias `<prefix>/<machineID>`.
struct MicroVMLayout: Sendable, Hashable {
    var machineID: String
    var machineDirectory: String
    var prefix: String
    var instanceID: String

    var vmDirectory: String { "\(machineDirectory)/vm" }
    var overlay: String { "\(vmDirectory)/overlay.qcow2" }
    var qmpSocket: String { "\(vmDirectory)/qmp.sock" }
    var controlSocket: String { "\(vmDirectory)/control.sock" }
    var pidFile: String { "\(vmDirectory)/qemu.pid" }
    var argumentsFile: String { "\(vmDirectory)/qemu.args" }
    var handleFile: String { "\(vmDirectory)/handle.json" }
    var initrd: String { "\(machineDirectory)/initrd.img" }
    var exitDirectory: String { "\(machineDirectory)/exits" }
    var exitFile: String { "\(exitDirectory)/\(Self.safeName(instanceID)).exit" }
    var killMarker: String { "\(exitDirectory)/\(Self.safeName(instanceID)).killed" }
    var snapshotDirectory: String { "\(machineDirectory)/snapshot" }
    /// The memory state file, written by `migrate` into `vm/` and moved with it.
    var stateFileDuringSuspend: String { "\(vmDirectory)/state" }
    var stateFile: String { "\(snapshotDirectory)/state" }
    var tap: TapDevice { TapDevice(machineID: machineID, prefix: prefix) }

    /// Keys of `RuntimeHandle.details` and `SnapshotInfo.details`.
    enum Key {
        static let machineDirectory = "machineDirectory"
        static let instanceID = "instanceID"
        static let prefix = "resourcePrefix"
        static let exitFile = "exitFile"
        static let killMarker = "killMarker"
        static let qmpSocket = "qmpSocket"
        static let controlSocket = "controlSocket"
        static let tap = "tap"
        static let logPath = "logPath"
        static let accelerator = "accelerator"
        static let stateFile = "stateFile"
        static let stateBytes = "stateBytes"
        static let snapshotDirectory = "snapshotDirectory"
    }

    var details: [String: String] {
        [
            Key.machineDirectory: machineDirectory, Key.instanceID: instanceID, Key.prefix: prefix,
            Key.exitFile: exitFile, Key.killMarker: killMarker, Key.qmpSocket: qmpSocket,
            Key.controlSocket: controlSocket, Key.tap: tap.name,
        ]
    }

    init(machineID: String, machineDirectory: String, prefix: String, instanceID: String) {
        self.machineID = machineID
        self.machineDirectory = machineDirectory
        self.prefix = prefix
        self.instanceID = instanceID
    }

    /// Rebuilds the layout from a persisted handle.
    init(handle: RuntimeHandle, prefix: String) throws(RuntimeError) {
        guard let machineDirectory = handle.details[Key.machineDirectory] else {
            throw RuntimeError(.internalError, "runtime handle of machine \(handle.machineID) has no machine directory")
        }
        self.init(machineID: handle.machineID, machineDirectory: machineDirectory,
                  prefix: handle.details[Key.prefix] ?? prefix, instanceID: handle.details[Key.instanceID] ?? "")
    }

    static func safeName(_ instanceID: String) -> String {
        let name = instanceID.filter { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
        return name.isEmpty ? "instance" : name
    }
}

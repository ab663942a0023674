/// Everything `tarmac-init` needs to run a machine, written by the host into the
/// per-machine initramfs archive at `GuestProtocol.configPath`.
public struct GuestConfig: Sendable, Hashable {
    public var args: [String]
    /// `KEY=value` entries, image env first, machine env overriding it.
    public var env: [String]
    public var workingDirectory: String
    /// `uid[:gid]` or a user name from the image's /etc/passwd; empty = root.
    public var user: String
    public var hostname: String
    public var network: GuestNetwork?
    /// Extra `/etc/hosts` lines (`ADDRESS NAME…`), after localhost and the machine's own name.
    public var hosts: [String]
    /// Block device holding the root file system, e.g. `/dev/vda`.
    public var rootDevice: String
    public var rootFSType: String
    /// Volumes and other disks to mount once the root is in place.
    public var mounts: [GuestMount]

    public init(args: [String], env: [String], workingDirectory: String, user: String, hostname: String, network: GuestNetwork?, hosts: [String] = [], rootDevice: String = "/dev/vda", rootFSType: String = "ext4", mounts: [GuestMount] = []) {
        self.args = args
        self.env = env
        self.workingDirectory = workingDirectory
        self.user = user
        self.hostname = hostname
        self.network = network
        self.hosts = hosts
        self.rootDevice = rootDevice
        self.rootFSType = rootFSType
        self.mounts = mounts
    }

    public func encoded() -> [UInt8] {
        var writer = WireWriter()
        writer.u16(GuestProtocol.version)
        writer.strings(args)
        writer.strings(env)
        writer.string(workingDirectory)
        writer.string(user)
        writer.string(hostname)
        writer.bool(network != nil)
        if let network { network.encode(into: &writer) }
        writer.strings(hosts)
        writer.string(rootDevice)
        writer.string(rootFSType)
        writer.u32(UInt32(mounts.count))
        for mount in mounts { mount.encode(into: &writer) }
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(GuestProtocolError) {
        var reader = WireReader(bytes)
        let version = try reader.u16()
        guard version == GuestProtocol.version else {
            throw GuestProtocolError("run configuration has protocol version \(version); this init speaks \(GuestProtocol.version)")
        }
        args = try reader.strings()
        env = try reader.strings()
        workingDirectory = try reader.string()
        user = try reader.string()
        hostname = try reader.string()
        network = try reader.bool() ? try GuestNetwork(from: &reader) : nil
        hosts = try reader.strings()
        rootDevice = try reader.string()
        rootFSType = try reader.string()
        let count = Int(try reader.u32())
        var mounts: [GuestMount] = []
        for _ in 0..<min(count, 64) { mounts.append(try GuestMount(from: &reader)) }
        self.mounts = mounts
    }
}

/// The guest's single interface (`eth0`).
public struct GuestNetwork: Sendable, Hashable {
    public var address: String
    public var prefixLength: Int
    public var gateway: String
    public var nameservers: [String]

    public init(address: String, prefixLength: Int, gateway: String, nameservers: [String]) {
        self.address = address
        self.prefixLength = prefixLength
        self.gateway = gateway
        self.nameservers = nameservers
    }

    func encode(into writer: inout WireWriter) {
        writer.string(address)
        writer.u8(UInt8(clamping: prefixLength))
        writer.string(gateway)
        writer.strings(nameservers)
    }

    init(from reader: inout WireReader) throws(GuestProtocolError) {
        address = try reader.string()
        prefixLength = Int(try reader.u8())
        gateway = try reader.string()
        nameservers = try reader.strings()
    }
}

public struct GuestMount: Sendable, Hashable {
    public var device: String
    public var path: String
    public var fsType: String

    public init(device: String, path: String, fsType: String) {
        self.device = device
        self.path = path
        self.fsType = fsType
    }

    func encode(into writer: inout WireWriter) {
        writer.string(device)
        writer.string(path)
        writer.string(fsType)
    }

    init(from reader: inout WireReader) throws(GuestProtocolError) {
        device = try reader.string()
        path = try reader.string()
        fsType = try reader.string()
    }
}

import Foundation
import TarmacNetlink
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

/// One machine's network: a named network namespace `<prefix>-<machineID>` holding `eth0`
/// (the peer of a veth pair whose host end sits on the bridge), its address, `lo` and a
/// default route via the bridge gateway.
///
/// `setUp()` builds it in-process over netlink (TarmacNetlink) and starts by removing
/// leftovers of an earlier attempt, so a second setup after a crash works. `tearDown()`
/// (off the start path) uses `ip` and is idempotent.
public struct MachineNetwork: Sendable, Hashable {
    public struct Interface: Sendable, Hashable {
        public var address: IPv4Address
        public var prefixLength: Int
        public var gateway: IPv4Address
        public var bridge: String

        public init(address: IPv4Address, prefixLength: Int, gateway: IPv4Address, bridge: String) {
            self.address = address
            self.prefixLength = prefixLength
            self.gateway = gateway
            self.bridge = bridge
        }
    }

    public let machineID: String
    /// Prefix shared by every name this network creates (`tarmac` by default), so that test
    /// runs and a `tarmac dev` on the same host never touch each other's resources.
    public let prefix: String

    public init(machineID: String, prefix: String = "tarmac") {
        self.machineID = machineID
        self.prefix = prefix
    }

    /// Network namespace name, `tarmac-<machineID>`.
    public var namespaceName: String { Self.namespaceName(machineID: machineID, prefix: prefix) }

    /// Path of the namespace's bind mount, what an OCI runtime joins.
    public var namespacePath: String { "\(Self.namespaceDirectory)/\(namespaceName)" }

    /// Host end of the veth pair: `tm` + 12 hex characters derived from prefix and machine ID
    /// (interface names are limited to 15 bytes).
    public var hostInterfaceName: String { Self.hostInterfaceName(machineID: machineID, prefix: prefix) }

    /// The interface alias recorded on the host veth, to find orphans: `<prefix>/<machineID>`.
    public var alias: String { "\(prefix)/\(machineID)" }

    /// Interface name inside the namespace.
    public static let guestInterfaceName = "eth0"
    public static let namespaceDirectory = "/var/run/netns"

    public static func namespaceName(machineID: String, prefix: String) -> String { "\(prefix)-\(machineID)" }

    public static func hostInterfaceName(machineID: String, prefix: String) -> String {
        // 12 hex characters = 48 bits, collisions are negligible per host.
        "tm" + InterfaceName.hash(machineID: machineID, prefix: prefix).prefix(12)
    }

    /// Whether anything of this machine's network exists (namespace or host veth).
    public var exists: Bool {
        FileManager.default.fileExists(atPath: namespacePath) || HostTools.interfaceExists(hostInterfaceName)
    }

    /// Creates the namespace and everything in it, attached to `interface.bridge`: the
    /// namespace, the veth pair (host end up on the bridge with the alias, peer `eth0` in
    /// the namespace), `eth0`'s address, `lo` and `eth0` up and the default route. All over
    /// netlink from this process — no `ip` process on the start path. Leftovers of an earlier
    /// attempt are removed first; a failure removes what was made.
    public func setUp(_ interface: Interface) async throws(NetError) {
        guard !machineID.isEmpty, !machineID.contains("/"), HostTools.isValidInterfaceName(interface.bridge) else {
            throw NetError(.invalidName, "invalid machine id \"\(machineID)\" or bridge name \"\(interface.bridge)\"")
        }
        guard HostTools.interfaceExists(interface.bridge) else {
            throw NetError(.commandFailed, "bridge \(interface.bridge) does not exist: start the agent (it creates the bridge) or run the setup command")
        }
        if exists { try await tearDown() }
        do {
            try build(interface)
        } catch {
            try? await tearDown()
            throw NetError(.commandFailed, "cannot set up the network of machine \(machineID): \(error)")
        }
    }

    private func build(_ interface: Interface) throws(NetlinkError) {
        guard let address = IPAddress(interface.address.description), let gateway = IPAddress(interface.gateway.description) else {
            throw NetlinkError("parse \(interface.address) or \(interface.gateway)", code: EINVAL)
        }
        var inside = try NetworkNamespace.create(at: namespacePath, runDirectory: Self.namespaceDirectory)
        var host = try NetlinkSocket()
        let namespace = open(namespacePath, O_RDONLY | O_CLOEXEC)
        guard namespace >= 0 else { throw NetlinkError("open \(namespacePath)", code: errno) }
        defer { close(namespace) }
        let bridge = try host.linkIndex(name: interface.bridge)
        try host.createVeth(name: hostInterfaceName, peerName: Self.guestInterfaceName, peerNamespace: namespace, master: bridge)
        try host.setAlias(index: try host.linkIndex(name: hostInterfaceName), alias: alias)
        let eth0 = try inside.linkIndex(name: Self.guestInterfaceName)
        try inside.addAddress(index: eth0, address: address, prefixLength: interface.prefixLength)
        try inside.setUp(index: eth0)
        try inside.setUp(index: try inside.linkIndex(name: "lo"))
        try inside.addDefaultRoute(index: eth0, gateway: gateway)
    }

    /// Deletes the namespace and the host veth if they exist.
    public func tearDown() async throws(NetError) {
        var lines: [String] = []
        if HostTools.interfaceExists(hostInterfaceName) { lines.append("link del \(hostInterfaceName)") }
        if FileManager.default.fileExists(atPath: namespacePath) { lines.append("netns del \(namespaceName)") }
        try await HostTools.ipBatch(lines)
    }
}

extension MachineNetwork {
    /// Machine networks with `prefix` present on the host (namespaces and host veths tagged
    /// with the alias), for orphan removal.
    public static func existing(prefix: String) -> [MachineNetwork] {
        var ids = Set<String>()
        let namespacePrefix = "\(prefix)-"
        let namespaces = (try? FileManager.default.contentsOfDirectory(atPath: namespaceDirectory)) ?? []
        for name in namespaces where name.hasPrefix(namespacePrefix) {
            ids.insert(String(name.dropFirst(namespacePrefix.count)))
        }
        let aliasPrefix = "\(prefix)/"
        for link in HostTools.links() where link.name.hasPrefix("tm") {
            if let alias = link.alias, alias.hasPrefix(aliasPrefix) {
                ids.insert(String(alias.dropFirst(aliasPrefix.count)))
            }
        }
        return ids.sorted().map { MachineNetwork(machineID: $0, prefix: prefix) }
    }
}

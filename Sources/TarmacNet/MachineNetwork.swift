import Foundation
import TarmacSystem

/// One machine's network: a named network namespace `<prefix>-<machineID>` holding `eth0`
/// (the peer of a veth pair whose host end sits on the bridge), its address, `lo` and a
/// default route via the bridge gateway.
///
/// Setup is split in two stages so a caller can overlap the second with other work (the
/// container runtime can join the namespace as soon as it exists):
/// `createNamespace()` (namespace + veth pair, host end on the bridge) and
/// `configureInterface()` (addresses and routes inside). `setUp()` runs both.
/// Every stage starts by removing leftovers of an earlier attempt, so a second setup after a
/// crash works. `tearDown()` is idempotent.
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

    /// Creates the namespace and everything in it, attached to `interface.bridge`.
    public func setUp(_ interface: Interface) async throws(NetError) {
        try await createNamespace(bridge: interface.bridge)
        try await configureInterface(interface)
    }

    /// Stage 1: removes leftovers, creates the namespace and the veth pair (peer moved into
    /// the namespace as `eth0`), attaches the host end to `bridge` and brings it up.
    public func createNamespace(bridge: String) async throws(NetError) {
        guard !machineID.isEmpty, !machineID.contains("/"), HostTools.isValidInterfaceName(bridge) else {
            throw NetError(.invalidName, "invalid machine id \"\(machineID)\" or bridge name \"\(bridge)\"")
        }
        guard HostTools.interfaceExists(bridge) else {
            throw NetError(.commandFailed, "bridge \(bridge) does not exist: start the agent (it creates the bridge) or run the setup command")
        }
        if exists { try await tearDown() }
        let veth = hostInterfaceName
        try await HostTools.ipBatch([
            "netns add \(namespaceName)",
            "link add \(veth) type veth peer name \(Self.guestInterfaceName) netns \(namespaceName)",
            "link set \(veth) alias \(alias)",
            "link set \(veth) master \(bridge) up",
        ])
    }

    /// Stage 2: address, `eth0` and `lo` up, default route via the gateway.
    public func configureInterface(_ interface: Interface) async throws(NetError) {
        let eth0 = Self.guestInterfaceName
        try await HostTools.ipBatch([
            "addr add \(interface.address)/\(interface.prefixLength) dev \(eth0)",
            "link set \(eth0) up",
            "link set lo up",
            "route add default via \(interface.gateway) dev \(eth0)",
        ], namespace: namespaceName)
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
        let interfaces = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net")) ?? []
        for name in interfaces where name.hasPrefix("tm") {
            if let alias = HostTools.readSystemFile("/sys/class/net/\(name)/ifalias"), alias.hasPrefix(aliasPrefix) {
                ids.insert(String(alias.dropFirst(aliasPrefix.count)))
            }
        }
        return ids.sorted().map { MachineNetwork(machineID: $0, prefix: prefix) }
    }
}

import Foundation
import Logging
import TarmacNetlink

/// The host bridge every machine's interface is attached to, with NAT for egress.
///
/// `ensure()` is idempotent: it checks each piece and only changes what is missing, and
/// returns (and logs) what it changed so the agent can tell the user what it did to the host.
public struct BridgeNetwork: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Bridge interface name. Default `tarmac0`.
        public var bridgeName: String
        /// Machine subnet; the bridge gets its gateway (first host) address. Default `172.30.0.0/16`.
        public var subnet: IPv4CIDR
        /// Add the iptables MASQUERADE rule for egress and FORWARD accept rules. Default true.
        public var enableNAT: Bool

        public init(bridgeName: String = "tarmac0", subnet: IPv4CIDR = Self.defaultSubnet, enableNAT: Bool = true) {
            self.bridgeName = bridgeName
            self.subnet = subnet
            self.enableNAT = enableNAT
        }

        /// `172.30.0.0/16`.
        public static let defaultSubnet = IPv4CIDR(constant: IPv4Address(0xAC1E_0000), prefixLength: 16)
    }

    public let configuration: Configuration
    private let logger: Logger

    public init(configuration: Configuration = .init(), logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public var gateway: IPv4Address { configuration.subnet.gateway }

    /// Creates the bridge with the gateway address, brings it up, enables IPv4 forwarding and
    /// NAT. Returns a description of each change made (empty when everything was in place).
    @discardableResult
    public func ensure() async throws(NetError) -> [String] {
        let name = configuration.bridgeName
        guard HostTools.isValidInterfaceName(name) else {
            throw NetError(.invalidName, "bridge name \"\(name)\" is not a valid interface name (1-15 characters, no '/', ':' or spaces)")
        }
        var changes: [String] = []
        if !HostTools.interfaceExists(name) {
            try await HostTools.ip(["link", "add", "name", name, "type", "bridge"])
            changes.append("created bridge \(name)")
        }
        let address = configuration.subnet.interfaceAddress(gateway)
        let addresses = try await HostTools.ip(["-4", "-o", "addr", "show", "dev", name])
        if !addresses.split(separator: " ").contains(where: { $0 == address }) {
            try await HostTools.ip(["addr", "add", address, "dev", name])
            changes.append("assigned \(address) to \(name)")
        }
        if !isUp(name) {
            try await HostTools.ip(["link", "set", name, "up"])
            changes.append("brought \(name) up")
        }
        if HostTools.readSystemFile("/proc/sys/net/ipv4/ip_forward") != "1" {
            try enableForwarding()
            changes.append("enabled net.ipv4.ip_forward")
        }
        if configuration.enableNAT {
            changes += try await ensureFirewall()
        }
        for change in changes {
            logger.info("host network changed", metadata: ["change": "\(change)", "bridge": "\(name)"])
        }
        return changes
    }

    /// Deletes the bridge and the rules `ensure()` added (for tests and `tarmac` uninstall).
    public func remove() async throws(NetError) {
        let name = configuration.bridgeName
        for rule in firewallRules where try await HostTools.iptablesSucceeds(rule.table + ["-C"] + rule.spec) {
            try await HostTools.iptables(rule.table + ["-D"] + rule.spec)
        }
        if HostTools.interfaceExists(name) {
            try await HostTools.ip(["link", "del", name])
        }
    }

    private struct Rule {
        var table: [String]
        var spec: [String]
        var summary: String
    }

    private var firewallRules: [Rule] {
        let name = configuration.bridgeName
        let subnet = configuration.subnet.description
        return [
            Rule(table: ["-t", "nat"], spec: ["POSTROUTING", "-s", subnet, "!", "-o", name, "-j", "MASQUERADE"],
                 summary: "added iptables MASQUERADE for \(subnet) leaving through other interfaces than \(name)"),
            Rule(table: [], spec: ["FORWARD", "-i", name, "-j", "ACCEPT"],
                 summary: "added iptables FORWARD accept for traffic from \(name)"),
            Rule(table: [], spec: ["FORWARD", "-o", name, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"],
                 summary: "added iptables FORWARD accept for replies to \(name)"),
        ]
    }

    private func ensureFirewall() async throws(NetError) -> [String] {
        var changes: [String] = []
        for rule in firewallRules where try await !HostTools.iptablesSucceeds(rule.table + ["-C"] + rule.spec) {
            try await HostTools.iptables(rule.table + ["-A"] + rule.spec)
            changes.append(rule.summary)
        }
        return changes
    }

    private func isUp(_ name: String) -> Bool {
        HostTools.link(named: name)?.isUp ?? false
    }

    private func enableForwarding() throws(NetError) {
        do {
            try "1\n".write(toFile: "/proc/sys/net/ipv4/ip_forward", atomically: false, encoding: .utf8)
        } catch {
            throw NetError(.commandFailed, "cannot enable net.ipv4.ip_forward (\(error)); run as root or set it with sysctl -w net.ipv4.ip_forward=1")
        }
    }
}

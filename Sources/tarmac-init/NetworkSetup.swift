import Glibc
import TarmacGuestProtocol
import TarmacNetlink

/// The machine's identity on the network: loopback up, `eth0` addressed and up with a
/// default route, host name, and the resolver and hosts files in the new root.
struct NetworkSetup {
    static let interface = "eth0"
    static let interfaceTimeout: Duration = .seconds(5)

    let config: GuestConfig

    func run() throws {
        var netlink = try NetlinkSocket()
        try netlink.setUp(index: Int32(if_nametoindex("lo")))
        if let network = config.network {
            guard let address = IPAddress(network.address) else { throw InitError("invalid machine address \(network.address)") }
            let found = Deadline.poll(timeout: Self.interfaceTimeout) { () -> Int32? in
                let index = if_nametoindex(Self.interface)
                return index == 0 ? nil : Int32(index)
            }
            guard let index = found else {
                throw InitError("network interface \(Self.interface) did not appear within \(Self.interfaceTimeout) (is a NIC attached?)")
            }
            try netlink.addAddress(index: index, address: address, prefixLength: network.prefixLength)
            try netlink.setUp(index: index)
            if !network.gateway.isEmpty {
                guard let gateway = IPAddress(network.gateway) else { throw InitError("invalid gateway \(network.gateway)") }
                try netlink.addDefaultRoute(index: index, gateway: gateway)
            }
            Console.debug("\(Self.interface) has \(network.address)/\(network.prefixLength) via \(network.gateway)")
        }
        if !config.hostname.isEmpty {
            guard sethostname(config.hostname, config.hostname.utf8.count) == 0 else {
                throw InitError.system("cannot set the host name to \(config.hostname)")
            }
        }
        writeFiles()
    }

    /// Files in the image's /etc; a read-only image keeps its own (traced, not fatal).
    private func writeFiles() {
        do {
            try FileSystem.makeDirectories("/etc")
            var hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
            if !config.hostname.isEmpty {
                hosts += "\(config.network?.address ?? "127.0.1.1")\t\(config.hostname)\n"
                try FileSystem.write("/etc/hostname", config.hostname + "\n")
            }
            for line in config.hosts { hosts += line + "\n" }
            try FileSystem.write("/etc/hosts", hosts)
            if let network = config.network, !network.nameservers.isEmpty {
                try FileSystem.write("/etc/resolv.conf", network.nameservers.map { "nameserver \($0)\n" }.joined())
            }
        } catch {
            Console.error("\(error)")
        }
    }
}

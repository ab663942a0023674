import Foundation
import Logging
import TarmacSystem
import Testing
@testable import TarmacNet

/// The bridge and per-machine namespaces against the real kernel. Uses its own bridge and
/// prefix so it can run next to `ContainerDriverTests`.
@Suite(.serialized, .enabled(if: getuid() == 0 && Command.exists("ip") && Command.exists("iptables"), "needs root, ip and iptables"))
struct HostNetworkTests {
    static let subnet = IPv4CIDR(constant: IPv4Address(0x0AD5_0800), prefixLength: 24) // 10.213.8.0/24
    let logger = Logger(label: "tarmac.tests.net")

    @Test func bridgeEnsureIsIdempotentAndRemovable() async throws {
        let bridge = BridgeNetwork(configuration: .init(bridgeName: "tmtestbr1", subnet: Self.subnet), logger: logger)
        try await bridge.remove()
        let first = try await bridge.ensure()
        #expect(first.contains("created bridge tmtestbr1"))
        #expect(first.contains("assigned 10.213.8.1/24 to tmtestbr1"))
        #expect(first.contains { $0.contains("MASQUERADE") })
        #expect(try await bridge.ensure().isEmpty)
        #expect(try await HostTools.iptablesSucceeds(["-t", "nat", "-C", "POSTROUTING", "-s", "10.213.8.0/24", "!", "-o", "tmtestbr1", "-j", "MASQUERADE"]))
        #expect(HostTools.readSystemFile("/proc/sys/net/ipv4/ip_forward") == "1")

        // A machine namespace on it: set up twice (as after a crash), torn down twice.
        let network = MachineNetwork(machineID: "feedface000001", prefix: "tmnet")
        let interface = MachineNetwork.Interface(
            address: try #require(IPv4Address("10.213.8.9")), prefixLength: 24, gateway: Self.subnet.gateway, bridge: "tmtestbr1")
        try await network.setUp(interface)
        try await network.setUp(interface)
        #expect(network.exists)
        #expect(MachineNetwork.existing(prefix: "tmnet").map(\.machineID) == ["feedface000001"])
        #expect(HostTools.readSystemFile("/sys/class/net/\(network.hostInterfaceName)/master").map { $0.hasSuffix("tmtestbr1") } != false)
        let inside = try await HostTools.ip(["-n", network.namespaceName, "-4", "-o", "addr", "show", "dev", "eth0"])
        #expect(inside.contains("10.213.8.9/24"))
        let routes = try await HostTools.ip(["-n", network.namespaceName, "route"])
        #expect(routes.contains("default via 10.213.8.1 dev eth0"))
        let ping = try await Command.run("ip", ["netns", "exec", network.namespaceName, "busybox", "ping", "-c", "1", "-W", "2", "10.213.8.1"])
        #expect(ping.succeeded)

        try await network.tearDown()
        try await network.tearDown()
        #expect(!network.exists)
        #expect(MachineNetwork.existing(prefix: "tmnet").isEmpty)

        try await bridge.remove()
        #expect(!HostTools.interfaceExists("tmtestbr1"))
        #expect(try await !HostTools.iptablesSucceeds(["-t", "nat", "-C", "POSTROUTING", "-s", "10.213.8.0/24", "!", "-o", "tmtestbr1", "-j", "MASQUERADE"]))
    }

    @Test func clearErrors() async throws {
        let network = MachineNetwork(machineID: "feedface000002", prefix: "tmnet")
        let interface = MachineNetwork.Interface(
            address: try #require(IPv4Address("10.213.8.10")), prefixLength: 24, gateway: Self.subnet.gateway, bridge: "tmnosuchbr")
        await #expect {
            try await network.setUp(interface)
        } throws: { error in
            (error as? NetError)?.message.contains("bridge tmnosuchbr does not exist") == true
        }
        #expect(!network.exists)
        let badName = BridgeNetwork(configuration: .init(bridgeName: "a-name-that-is-far-too-long"), logger: logger)
        await #expect(throws: NetError.self) { try await badName.ensure() }
    }
}

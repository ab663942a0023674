import Testing
@testable import TarmacNet

@Suite struct IPv4AddressTests {
    @Test(arguments: [
        ("0.0.0.0", UInt32(0)), ("172.30.0.1", UInt32(0xAC1E_0001)), ("255.255.255.255", UInt32.max), ("10.0.0.255", UInt32(0x0A00_00FF)),
    ])
    func parses(text: String, value: UInt32) {
        #expect(IPv4Address(text)?.value == value)
        #expect(IPv4Address(value).description == text)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", "1.2.3.-4", " 1.2.3.4", "1.2.3.4/8", "1234.1.1.1"])
    func rejects(text: String) {
        #expect(IPv4Address(text) == nil)
    }

    @Test func advances() {
        #expect(IPv4Address("10.0.0.255")?.advanced(by: 1)?.description == "10.0.1.0")
        #expect(IPv4Address("255.255.255.255")?.advanced(by: 1) == nil)
        #expect(IPv4Address("0.0.0.0")?.advanced(by: -1) == nil)
    }
}

@Suite struct IPv4CIDRTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var network: String
        var prefix: Int
        var gateway: String
        var broadcast: String
        var size: UInt64
        var testDescription: String { text }
    }

    @Test(arguments: [
        Case(text: "172.30.0.0/16", network: "172.30.0.0", prefix: 16, gateway: "172.30.0.1", broadcast: "172.30.255.255", size: 65536),
        Case(text: "10.1.2.3/24", network: "10.1.2.0", prefix: 24, gateway: "10.1.2.1", broadcast: "10.1.2.255", size: 256),
        Case(text: "192.168.1.8/30", network: "192.168.1.8", prefix: 30, gateway: "192.168.1.9", broadcast: "192.168.1.11", size: 4),
        Case(text: "0.0.0.0/0", network: "0.0.0.0", prefix: 0, gateway: "0.0.0.1", broadcast: "255.255.255.255", size: 1 << 32),
        Case(text: "10.0.0.7/32", network: "10.0.0.7", prefix: 32, gateway: "10.0.0.7", broadcast: "10.0.0.7", size: 1),
    ])
    func parses(_ item: Case) throws {
        let cidr = try #require(IPv4CIDR(item.text))
        #expect(cidr.network.description == item.network)
        #expect(cidr.prefixLength == item.prefix)
        #expect(cidr.gateway.description == item.gateway)
        #expect(cidr.broadcast.description == item.broadcast)
        #expect(cidr.size == item.size)
        #expect(cidr.description == "\(item.network)/\(item.prefix)")
    }

    @Test(arguments: ["172.30.0.0", "172.30.0.0/33", "172.30.0.0/", "/16", "172.30.0.0/16/1", "172.30.0.0/-1", "x/16"])
    func rejects(text: String) {
        #expect(IPv4CIDR(text) == nil)
        #expect(throws: NetError.self) { try IPv4CIDR.parse(text) }
    }

    @Test func containsAndOffsets() throws {
        let cidr = try IPv4CIDR.parse("172.30.0.0/16")
        #expect(cidr.contains(try #require(IPv4Address("172.30.200.1"))))
        #expect(!cidr.contains(try #require(IPv4Address("172.31.0.1"))))
        #expect(cidr.address(at: 258)?.description == "172.30.1.2")
        #expect(cidr.address(at: 65536) == nil)
        #expect(cidr.offset(of: try #require(IPv4Address("172.30.1.2"))) == 258)
        #expect(cidr.offset(of: try #require(IPv4Address("10.0.0.1"))) == nil)
        #expect(cidr.netmask.description == "255.255.0.0")
        #expect(cidr.interfaceAddress(cidr.gateway) == "172.30.0.1/16")
        #expect(BridgeNetwork.Configuration().subnet == cidr)
    }
}

@Suite struct IPAllocatorTests {
    func addresses(_ texts: [String]) -> Set<IPv4Address> { Set(texts.compactMap(IPv4Address.init)) }

    struct Case: Sendable, CustomTestStringConvertible {
        var subnet: String
        var used: [String]
        var after: String?
        var expected: String?
        var testDescription: String { "\(subnet) used=\(used) after=\(after ?? "-") → \(expected ?? "nil")" }
    }

    @Test(arguments: [
        Case(subnet: "172.30.0.0/16", used: [], after: nil, expected: "172.30.0.2"),
        Case(subnet: "172.30.0.0/16", used: ["172.30.0.2", "172.30.0.3"], after: nil, expected: "172.30.0.4"),
        Case(subnet: "172.30.0.0/16", used: ["172.30.0.3"], after: nil, expected: "172.30.0.2"),
        Case(subnet: "172.30.0.0/16", used: [], after: "172.30.0.9", expected: "172.30.0.10"),
        Case(subnet: "172.30.0.0/16", used: [], after: "172.30.0.255", expected: "172.30.1.0"),
        Case(subnet: "10.0.0.0/24", used: [], after: "10.0.0.254", expected: "10.0.0.2"),
        Case(subnet: "10.0.0.0/24", used: ["10.0.0.2"], after: "10.0.0.253", expected: "10.0.0.254"),
        Case(subnet: "10.0.0.0/24", used: [], after: "192.168.0.1", expected: "10.0.0.2"),
        Case(subnet: "10.0.0.0/30", used: [], after: nil, expected: "10.0.0.2"),
        Case(subnet: "10.0.0.0/30", used: ["10.0.0.2"], after: nil, expected: nil),
        Case(subnet: "10.0.0.0/31", used: [], after: nil, expected: nil),
        Case(subnet: "10.0.0.0/32", used: [], after: nil, expected: nil),
    ])
    func next(_ item: Case) throws {
        let allocator = IPAllocator(subnet: try IPv4CIDR.parse(item.subnet))
        let after = item.after.flatMap(IPv4Address.init)
        #expect(allocator.next(used: addresses(item.used), after: after)?.description == item.expected)
    }

    @Test func fillsASmallSubnetThenThrows() throws {
        let allocator = IPAllocator(subnet: try IPv4CIDR.parse("10.9.0.0/29"))
        #expect(allocator.capacity == 5)
        var used = Set<IPv4Address>()
        for _ in 0..<5 { used.insert(try allocator.allocate(used: used)) }
        #expect(used.map(\.description).sorted() == ["10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"])
        #expect(throws: NetError.self) { try allocator.allocate(used: used) }
    }

    @Test func hostInterfaceNamesFitTheKernelLimit() {
        let first = MachineNetwork(machineID: "0123456789abcd")
        #expect(first.hostInterfaceName.count == 14)
        #expect(first.hostInterfaceName.hasPrefix("tm"))
        #expect(first.hostInterfaceName == MachineNetwork(machineID: "0123456789abcd").hostInterfaceName)
        #expect(first.hostInterfaceName != MachineNetwork(machineID: "0123456789abce").hostInterfaceName)
        #expect(first.hostInterfaceName != MachineNetwork(machineID: "0123456789abcd", prefix: "tmtest").hostInterfaceName)
        #expect(first.namespaceName == "tarmac-0123456789abcd")
        #expect(first.namespacePath == "/var/run/netns/tarmac-0123456789abcd")
        #expect(first.alias == "tarmac/0123456789abcd")
    }
}

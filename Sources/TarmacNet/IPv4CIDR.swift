/// An IPv4 subnet such as `172.30.0.0/16`. The network address is normalised (host bits
/// cleared), the gateway is the first host address (`.1`).
public struct IPv4CIDR: Sendable, Hashable, Codable, CustomStringConvertible, LosslessStringConvertible {
    public let network: IPv4Address
    public let prefixLength: Int

    public init?(network: IPv4Address, prefixLength: Int) {
        guard (0...32).contains(prefixLength) else { return nil }
        self.prefixLength = prefixLength
        self.network = IPv4Address(network.value & Self.mask(prefixLength))
    }

    /// For constants known to be valid (prefix length 0–32).
    init(constant network: IPv4Address, prefixLength: Int) {
        self.prefixLength = min(max(prefixLength, 0), 32)
        self.network = IPv4Address(network.value & Self.mask(self.prefixLength))
    }

    /// Parses `a.b.c.d/n`; host bits in the address are cleared.
    public init?(_ description: String) {
        let parts = description.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv4Address(String(parts[0])),
              parts[1].count <= 2, parts[1].allSatisfy(\.isNumber), let length = Int(parts[1]) else { return nil }
        self.init(network: address, prefixLength: length)
    }

    /// Like `init?(_:)` but throws a message naming the bad input.
    public static func parse(_ description: String) throws(NetError) -> IPv4CIDR {
        guard let cidr = IPv4CIDR(description) else {
            throw NetError(.invalidAddress, "invalid IPv4 subnet \"\(description)\" (expected e.g. 172.30.0.0/16)")
        }
        return cidr
    }

    public var description: String { "\(network)/\(prefixLength)" }

    public var netmask: IPv4Address { IPv4Address(Self.mask(prefixLength)) }

    /// Number of addresses in the subnet, network and broadcast included.
    public var size: UInt64 { UInt64(1) << UInt64(32 - prefixLength) }

    public var broadcast: IPv4Address { IPv4Address(network.value | ~Self.mask(prefixLength)) }

    /// The first host address, used by the host bridge. For /31 and /32 there is no room
    /// for a gateway; the network address itself is returned.
    public var gateway: IPv4Address {
        prefixLength >= 31 ? network : IPv4Address(network.value + 1)
    }

    public func contains(_ address: IPv4Address) -> Bool {
        address.value & Self.mask(prefixLength) == network.value
    }

    /// The address at `offset` from the network address, or nil when outside the subnet.
    public func address(at offset: UInt64) -> IPv4Address? {
        guard offset < size else { return nil }
        return IPv4Address(network.value + UInt32(offset))
    }

    /// Offset of `address` from the network address, or nil when outside the subnet.
    public func offset(of address: IPv4Address) -> UInt64? {
        contains(address) ? UInt64(address.value - network.value) : nil
    }

    /// `address/prefix` for `ip addr add`.
    public func interfaceAddress(_ address: IPv4Address) -> String { "\(address)/\(prefixLength)" }

    static func mask(_ prefixLength: Int) -> UInt32 {
        prefixLength == 0 ? 0 : UInt32.max << UInt32(32 - prefixLength)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let cidr = IPv4CIDR(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an IPv4 CIDR: \(text)")
        }
        self = cidr
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Picks machine addresses in a subnet. Pure: the caller owns the set of addresses in use
/// (from its store) and records the result.
public struct IPAllocator: Sendable, Hashable {
    public let subnet: IPv4CIDR

    public init(subnet: IPv4CIDR) { self.subnet = subnet }

    /// Addresses that are never handed out: the network address, the gateway and the broadcast.
    public var reserved: Set<IPv4Address> {
        [subnet.network, subnet.gateway, subnet.broadcast]
    }

    /// Number of addresses machines can get.
    public var capacity: UInt64 {
        subnet.size > 3 ? subnet.size - 3 : 0
    }

    /// The lowest free address, or the first free one after `after` (wrapping around) so a
    /// just-released address is not reused at once. Nil when the subnet is full.
    public func next(used: Set<IPv4Address>, after: IPv4Address? = nil) -> IPv4Address? {
        guard capacity > 0 else { return nil }
        let size = subnet.size
        let start: UInt64 = after.flatMap { subnet.offset(of: $0) }.map { ($0 + 1) % size } ?? 0
        var examined: UInt64 = 0
        var offset = start
        while examined < size {
            if let candidate = subnet.address(at: offset), !reserved.contains(candidate), !used.contains(candidate) {
                return candidate
            }
            offset = (offset + 1) % size
            examined += 1
        }
        return nil
    }

    /// Like `next(used:after:)` but throws when the subnet is exhausted.
    public func allocate(used: Set<IPv4Address>, after: IPv4Address? = nil) throws(NetError) -> IPv4Address {
        guard let address = next(used: used, after: after) else {
            throw NetError(.exhausted, "no free address left in \(subnet) (\(capacity) machine addresses, all in use)")
        }
        return address
    }
}

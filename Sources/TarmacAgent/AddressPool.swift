import Synchronization
import TarmacAgentProtocol
import TarmacNet

/// The host's private IPv4 addresses: one per machine for its whole life, handed out from
/// the bridge subnet and returned when the machine is destroyed.
final class AddressPool: Sendable {
    let subnet: IPv4CIDR
    let bridge: String
    private let allocator: IPAllocator
    private let used: Mutex<Set<IPv4Address>>

    init(subnet: IPv4CIDR, bridge: String, inUse: [String]) {
        self.subnet = subnet
        self.bridge = bridge
        allocator = IPAllocator(subnet: subnet)
        used = Mutex(Set(inUse.compactMap(IPv4Address.init)))
    }

    var prefixLength: Int { subnet.prefixLength }
    var gateway: String { subnet.gateway.description }

    func allocate() throws -> String {
        try used.withLock { used in
            do {
                let address = try allocator.allocate(used: used)
                used.insert(address)
                return address.description
            } catch {
                throw AgentError(.unavailable, "no free private address left in \(subnet): destroy unused machines or configure a larger subnet")
            }
        }
    }

    func release(_ address: String) {
        guard let parsed = IPv4Address(address) else { return }
        _ = used.withLock { $0.remove(parsed) }
    }
}

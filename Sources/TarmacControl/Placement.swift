/// Where a new machine goes: a pure function over a snapshot of the hosts, so every rule is
/// table-tested. Rules, in order:
/// - only hosts of the requested region (a machine never lands elsewhere behind the
///   user's back), connected and not cordoned; `requiredHostID` (a volume's host) narrows
///   it to that one;
/// - only hosts with the memory (times their overcommit) and dedicated CPUs left;
/// - among those, fewest machines of the same app first (spreading an app across hosts),
///   then the most free memory, then the host ID (so the answer is deterministic).
public enum Placement {
    public struct Candidate: Sendable, Hashable {
        public var hostID: String
        public var region: String
        public var connected: Bool
        public var cordoned: Bool
        public var cpus: Int
        public var memoryMB: Int
        public var memoryOvercommit: Double
        public var reservedMemoryMB: Int
        public var reservedDedicatedCPUs: Int
        /// Live machines of the requesting app on this host.
        public var appMachines: Int

        public init(
            hostID: String, region: String, connected: Bool = true, cordoned: Bool = false, cpus: Int, memoryMB: Int,
            memoryOvercommit: Double = 1, reservedMemoryMB: Int = 0, reservedDedicatedCPUs: Int = 0, appMachines: Int = 0
        ) {
            self.hostID = hostID
            self.region = region
            self.connected = connected
            self.cordoned = cordoned
            self.cpus = cpus
            self.memoryMB = memoryMB
            self.memoryOvercommit = memoryOvercommit
            self.reservedMemoryMB = reservedMemoryMB
            self.reservedDedicatedCPUs = reservedDedicatedCPUs
            self.appMachines = appMachines
        }

        var freeMemoryMB: Int { Int(Double(memoryMB) * memoryOvercommit) - reservedMemoryMB }
        var freeDedicatedCPUs: Int { cpus - reservedDedicatedCPUs }
    }

    public struct Request: Sendable, Hashable {
        public var region: String
        public var memoryMB: Int
        public var dedicatedCPUs: Int
        public var requiredHostID: String?

        public init(region: String, memoryMB: Int, dedicatedCPUs: Int = 0, requiredHostID: String? = nil) {
            self.region = region
            self.memoryMB = memoryMB
            self.dedicatedCPUs = dedicatedCPUs
            self.requiredHostID = requiredHostID
        }
    }

    /// Why nothing fits, in words a user can act on.
    public enum Failure: Error, Sendable, Hashable {
        case noHostsInRegion(region: String, regions: [String])
        case requiredHostUnavailable(hostID: String)
        case noUsableHosts(region: String, unreachable: Int, cordoned: Int)
        case insufficientResources(region: String, memoryMB: Int, dedicatedCPUs: Int, largestFreeMemoryMB: Int, largestFreeCPUs: Int)

        public var message: String {
            switch self {
            case .noHostsInRegion(let region, let regions):
                let known = regions.isEmpty ? "this cluster has no hosts yet (start one with tarmac agent --server URL --region R)" : "this cluster has hosts in \(regions.joined(separator: ", "))"
                return "no capacity in region \"\(region)\": \(known)"
            case .requiredHostUnavailable(let hostID):
                return "no capacity: the machine must run on host \(hostID) (its volume is there), which is unreachable, cordoned or full"
            case .noUsableHosts(let region, let unreachable, let cordoned):
                return "no capacity in region \"\(region)\": its hosts are unreachable (\(unreachable)) or cordoned (\(cordoned)); try again or pick another region"
            case .insufficientResources(let region, let memory, let cpus, let freeMemory, let freeCPUs):
                let want = cpus > 0 ? "\(memory) MB and \(cpus) performance CPU(s)" : "\(memory) MB"
                return "no capacity in region \"\(region)\": no host has \(want) free (the most free is \(max(0, freeMemory)) MB, \(max(0, freeCPUs)) dedicated CPU(s)); destroy machines, pick a smaller size or add a host"
            }
        }
    }

    public static func choose(_ request: Request, among candidates: [Candidate]) -> Result<String, Failure> {
        let inRegion = candidates.filter { $0.region == request.region }
        guard !inRegion.isEmpty else {
            return .failure(.noHostsInRegion(region: request.region, regions: Set(candidates.map(\.region)).sorted()))
        }
        let usable = inRegion.filter { $0.connected && !$0.cordoned && (request.requiredHostID == nil || $0.hostID == request.requiredHostID) }
        if let required = request.requiredHostID, usable.isEmpty { return .failure(.requiredHostUnavailable(hostID: required)) }
        guard !usable.isEmpty else {
            return .failure(.noUsableHosts(region: request.region, unreachable: inRegion.filter { !$0.connected }.count, cordoned: inRegion.filter { $0.connected && $0.cordoned }.count))
        }
        let fitting = usable.filter { $0.freeMemoryMB >= request.memoryMB && $0.freeDedicatedCPUs >= request.dedicatedCPUs }
        guard let best = fitting.min(by: { a, b in
            if a.appMachines != b.appMachines { return a.appMachines < b.appMachines }
            if a.freeMemoryMB != b.freeMemoryMB { return a.freeMemoryMB > b.freeMemoryMB }
            return a.hostID < b.hostID
        }) else {
            if let required = request.requiredHostID { return .failure(.requiredHostUnavailable(hostID: required)) }
            return .failure(.insufficientResources(
                region: request.region, memoryMB: request.memoryMB, dedicatedCPUs: request.dedicatedCPUs,
                largestFreeMemoryMB: usable.map(\.freeMemoryMB).max() ?? 0, largestFreeCPUs: usable.map(\.freeDedicatedCPUs).max() ?? 0))
        }
        return .success(best.hostID)
    }
}

import Testing
@testable import TarmacControl

/// `Placement.choose`, table-tested: region, reachability, cordons, capacity, spreading.
struct PlacementTests {
    typealias Candidate = Placement.Candidate

    static let hosts = [
        Candidate(hostID: "a1", region: "ams", cpus: 4, memoryMB: 4096, reservedMemoryMB: 1024, appMachines: 2),
        Candidate(hostID: "a2", region: "ams", cpus: 4, memoryMB: 4096, reservedMemoryMB: 3072, appMachines: 0),
        Candidate(hostID: "a3", region: "ams", cpus: 8, memoryMB: 8192, reservedMemoryMB: 0, appMachines: 1),
        Candidate(hostID: "f1", region: "fra", cpus: 2, memoryMB: 2048, reservedMemoryMB: 0, appMachines: 0),
    ]

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var request: Placement.Request
        var hosts: [Candidate]
        var expected: Result<String, Placement.Failure>
        var testDescription: String { name }
    }

    static func with(_ hosts: [Candidate], _ change: (inout Candidate) -> Void, where predicate: (Candidate) -> Bool) -> [Candidate] {
        hosts.map { host in
            var host = host
            if predicate(host) { change(&host) }
            return host
        }
    }

    static let rows: [Row] = [
        Row(name: "fewest machines of the app first, even with less free memory", request: .init(region: "ams", memoryMB: 256), hosts: hosts, expected: .success("a2")),
        Row(name: "a host without room is skipped", request: .init(region: "ams", memoryMB: 2048), hosts: hosts, expected: .success("a3")),
        Row(name: "ties go to the most free memory", request: .init(region: "ams", memoryMB: 256),
            hosts: with(hosts, { $0.appMachines = 0 }, where: { _ in true }), expected: .success("a3")),
        Row(name: "only the requested region", request: .init(region: "fra", memoryMB: 256), hosts: hosts, expected: .success("f1")),
        Row(name: "an unknown region names the known ones", request: .init(region: "syd", memoryMB: 256), hosts: hosts,
            expected: .failure(.noHostsInRegion(region: "syd", regions: ["ams", "fra"]))),
        Row(name: "no hosts at all", request: .init(region: "ams", memoryMB: 256), hosts: [], expected: .failure(.noHostsInRegion(region: "ams", regions: []))),
        Row(name: "unreachable and cordoned hosts are never chosen", request: .init(region: "ams", memoryMB: 256),
            hosts: with(with(hosts, { $0.connected = false }, where: { $0.hostID == "a2" || $0.hostID == "a3" }), { $0.cordoned = true }, where: { $0.hostID == "a1" }),
            expected: .failure(.noUsableHosts(region: "ams", unreachable: 2, cordoned: 1))),
        Row(name: "a cordoned host is skipped for the next best", request: .init(region: "ams", memoryMB: 256),
            hosts: with(hosts, { $0.cordoned = true }, where: { $0.hostID == "a2" }), expected: .success("a3")),
        Row(name: "too big for every host", request: .init(region: "ams", memoryMB: 16384), hosts: hosts,
            expected: .failure(.insufficientResources(region: "ams", memoryMB: 16384, dedicatedCPUs: 0, largestFreeMemoryMB: 8192, largestFreeCPUs: 8))),
        Row(name: "overcommit makes room", request: .init(region: "fra", memoryMB: 4096),
            hosts: with(hosts, { $0.memoryOvercommit = 2 }, where: { $0.hostID == "f1" }), expected: .success("f1")),
        Row(name: "dedicated CPUs are reserved one to one", request: .init(region: "ams", memoryMB: 256, dedicatedCPUs: 6), hosts: hosts, expected: .success("a3")),
        Row(name: "dedicated CPUs already taken", request: .init(region: "ams", memoryMB: 256, dedicatedCPUs: 4),
            hosts: with(hosts, { $0.reservedDedicatedCPUs = 5 }, where: { $0.hostID == "a3" }), expected: .success("a2")),
        Row(name: "a required host (a volume's) is the only choice", request: .init(region: "ams", memoryMB: 256, requiredHostID: "a1"), hosts: hosts, expected: .success("a1")),
        Row(name: "a required host that is unreachable fails, never placed elsewhere", request: .init(region: "ams", memoryMB: 256, requiredHostID: "a1"),
            hosts: with(hosts, { $0.connected = false }, where: { $0.hostID == "a1" }), expected: .failure(.requiredHostUnavailable(hostID: "a1"))),
        Row(name: "a required host that is full fails", request: .init(region: "ams", memoryMB: 4000, requiredHostID: "a1"), hosts: hosts,
            expected: .failure(.requiredHostUnavailable(hostID: "a1"))),
    ]

    @Test(arguments: rows)
    func choose(_ row: Row) {
        let result = Placement.choose(row.request, among: row.hosts)
        switch (result, row.expected) {
        case (.success(let got), .success(let want)): #expect(got == want)
        case (.failure(let got), .failure(let want)): #expect(got == want)
        default: Issue.record("got \(result), expected \(row.expected)")
        }
    }

    @Test func failureMessagesSayWhatToDo() {
        #expect(Placement.Failure.noHostsInRegion(region: "syd", regions: []).message.contains("tarmac agent --server"))
        #expect(Placement.Failure.noHostsInRegion(region: "syd", regions: ["ams", "fra"]).message.contains("ams, fra"))
        let full = Placement.Failure.insufficientResources(region: "ams", memoryMB: 512, dedicatedCPUs: 0, largestFreeMemoryMB: -10, largestFreeCPUs: 2).message
        #expect(full.contains("512 MB") && full.contains("0 MB") && full.contains("add a host"))
    }

    @Test("the ledger spreads an app and never takes the same room twice")
    func ledgerSpreadsAndReserves() {
        let registry = HostRegistry()
        for (id, memory) in [("h1", 1024), ("h2", 1024)] {
            registry.connect(
                .init(id: id, region: "ams", runtime: "container", runtimeReason: "", cpus: 2, memoryMB: memory, diskMB: 0, memoryOvercommit: 1,
                      features: [], agentVersion: "", registeredAt: .init(), lastConnectedAt: .init()),
                api: ScriptedAgent(known: [], batch: []))
        }
        var placed: [String] = []
        for index in 0..<8 {
            if case .success(let host) = registry.place(.init(region: "ams", memoryMB: 256), machineID: "m\(index)", appName: "web") { placed.append(host.id) }
        }
        #expect(placed == ["h1", "h2", "h1", "h2", "h1", "h2", "h1", "h2"])
        guard case .failure(.insufficientResources) = registry.place(.init(region: "ams", memoryMB: 256), machineID: "m8", appName: "web") else {
            Issue.record("a full cluster placed a machine")
            return
        }
        registry.release(machineID: "m3")
        registry.release(machineID: "m3")
        guard case .success(let host) = registry.place(.init(region: "ams", memoryMB: 256), machineID: "m9", appName: "web") else {
            Issue.record("a released reservation was not given back")
            return
        }
        #expect(host.id == "h2")
        #expect(registry.usage("h2").memoryMB == 1024)
        #expect(registry.usage("h1").machines == 4)
    }
}

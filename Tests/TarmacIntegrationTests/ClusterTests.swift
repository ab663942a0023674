import Foundation
import Testing

/// `tarmac server` with `tarmac agent`s in their own network namespaces (real processes,
/// real runc), dialling the server over a test bridge: placement across regions and hosts,
/// capacity, cordons, work through the tunnels, partitions, `kill -9` of agents and of the
/// server, and the data plane going on while the control plane is away.
@Suite("Cluster: server and agents in namespaces", .serialized)
struct ClusterTests {
    static let httpd = ["httpd", "-f", "-p", "8080", "-h", "/www"]

    @Test("machines are placed by region and spread across hosts; capacity and cordons are honoured; wait, exec and regions work through the tunnels")
    func placement() async throws {
        try await ClusterInstance.with { cluster in
            let a1 = try cluster.addAgent(region: "ams")
            let a2 = try cluster.addAgent(region: "ams")
            let f1 = try cluster.addAgent(region: "fra", arguments: ["--memory-mb", "600"])
            try await cluster.waitForHosts(3)
            for agent in [a1, a2, f1] { try cluster.importBusybox(into: agent) }
            let ids = try [a1, a2, f1].map { try cluster.hostID(of: $0) }

            let (_, regions) = try await cluster.json("GET", "/v1/platform/regions")
            let codes = (regions?["regions"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
            #expect(codes == ["ams", "fra"])
            #expect(regions?["nearest"] as? String == "ams")

            try await cluster.createApp("web")
            var machines: [[String: Any]] = []
            for _ in 0..<4 {
                machines.append(try await cluster.createMachine(app: "web", body: ["config": ["image": "busybox-test:latest", "init": ["cmd": Self.httpd]]]))
            }
            #expect(machines.allSatisfy { $0["region"] as? String == "ams" }, "no region given: the default one")
            let hosts = try await cluster.hosts()
            func machinesOn(_ id: String, in hosts: [[String: Any]]) -> Int { hosts.first { $0["id"] as? String == id }?["machines"] as? Int ?? -1 }
            #expect(machinesOn(ids[0], in: hosts) == 2 && machinesOn(ids[1], in: hosts) == 2, "spread over the region's hosts: \(hosts)")

            // Through the tunnels: wait, exec, the machine's own address inside its host.
            for machine in machines {
                let id = try #require(machine["id"] as? String)
                _ = try await cluster.wait(app: "web", id: id, state: "started")
                let (status, exec) = try await cluster.json("POST", "/v1/apps/web/machines/\(id)/exec", body: ["command": ["cat", "/www/index.html"]])
                #expect(status == 200)
                #expect(exec?["stdout"] as? String == "hello from tarmac\n")
            }
            #expect(cluster.containers(a1).count == 2 && cluster.containers(a2).count == 2)

            // fra has one small host: two 256 MB machines fit, a third does not.
            let small: [String: Any] = ["region": "fra", "config": ["image": "busybox-test:latest", "init": ["cmd": Self.httpd], "guest": ["cpus": 1, "memory_mb": 256]]]
            for _ in 0..<2 {
                let machine = try await cluster.createMachine(app: "web", body: small)
                _ = try await cluster.wait(app: "web", id: try #require(machine["id"] as? String), state: "started")
            }
            let (full, fullBody) = try await cluster.json("POST", "/v1/apps/web/machines", body: small)
            #expect(full == 422)
            #expect(fullBody?["status"] as? String == "insufficient_capacity", "\(String(describing: fullBody))")
            #expect((fullBody?["error"] as? String)?.contains("fra") == true)
            #expect(cluster.containers(f1).count == 2, "a refused create leaves nothing on the host")

            let (nowhere, nowhereBody) = try await cluster.json("POST", "/v1/apps/web/machines", body: ["region": "syd", "config": ["image": "busybox-test:latest"]])
            #expect(nowhere == 422)
            #expect((nowhereBody?["error"] as? String)?.contains("ams, fra") == true, "\(String(describing: nowhereBody))")

            // A cordoned host gets nothing new; its machines keep running.
            #expect(try cluster.cli(["hosts", "cordon", ids[0]]).status == 0)
            for _ in 0..<2 {
                let machine = try await cluster.createMachine(app: "web", body: ["config": ["image": "busybox-test:latest", "init": ["cmd": Self.httpd]]])
                _ = try await cluster.wait(app: "web", id: try #require(machine["id"] as? String), state: "started")
            }
            #expect(cluster.containers(a1).count == 2 && cluster.containers(a2).count == 4)
            let listed = try cluster.cli(["hosts", "list", "--json"])
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
            #expect(parsed.first { $0["id"] as? String == ids[0] }?["cordoned"] as? Bool == true)
            #expect(try cluster.cli(["hosts", "uncordon", ids[0]]).status == 0)
            let (unknown, _) = try await cluster.json("POST", "/tarmac/v1/hosts/host-nothere/cordon")
            #expect(unknown == 404)

            // Destroying the app leaves nothing on any host.
            let (deleted, _) = try await cluster.request("DELETE", "/v1/apps/web?force=true")
            #expect(deleted == 202)
            let empty = try await cluster.eventually {
                [a1, a2, f1].allSatisfy { cluster.containers($0).isEmpty }
                    && Shell.lines("ip", ["netns", "list"]).allSatisfy { name in ![a1, a2, f1].contains { name.hasPrefix($0.prefix + "-") } }
            }
            #expect(empty, "\([a1, a2, f1].map { cluster.containers($0) }) \(Shell.lines("ip", ["netns", "list"]))")
        }
    }

    @Test("a partitioned host is unreachable, its machines keep running and are not started elsewhere; it converges when it returns; agent and server kill -9 lose nothing")
    func failures() async throws {
        try await ClusterInstance.with { cluster in
            let a1 = try cluster.addAgent(region: "ams")
            let a2 = try cluster.addAgent(region: "ams")
            try await cluster.waitForHosts(2)
            for agent in [a1, a2] { try cluster.importBusybox(into: agent) }
            try await cluster.createApp("svc")
            var ids: [String] = []
            for _ in 0..<2 {
                let machine = try await cluster.createMachine(app: "svc", body: ["config": ["image": "busybox-test:latest", "init": ["cmd": Self.httpd]]])
                let id = try #require(machine["id"] as? String)
                _ = try await cluster.wait(app: "svc", id: id, state: "started")
                ids.append(id)
            }
            let hostOfA1 = try cluster.hostID(of: a1)
            let before = try await cluster.jsonArray("GET", "/v1/apps/svc/machines").1
            let onA1 = try #require(before.first { machine in
                cluster.containers(a1).contains(machine["id"] as? String ?? "")
            })
            let a1Machine = try #require(onA1["id"] as? String)
            let a1IP = try #require(onA1["private_ip"] as? String)

            // Partition a1: the server sees it unreachable within the heartbeat timeout.
            try cluster.network.cut(a1.index)
            let unreachable = try await cluster.eventually(timeout: .seconds(15)) {
                try await cluster.json("GET", "/tarmac/v1/hosts/\(hostOfA1)").1?["status"] as? String == "unreachable"
            }
            #expect(unreachable)
            let (_, stale) = try await cluster.json("GET", "/v1/apps/svc/machines/\(a1Machine)")
            #expect(stale?["host_status"] as? String == "unreachable")
            #expect(stale?["state"] as? String == "started", "its last known state")
            let (stop, _) = try await cluster.json("POST", "/v1/apps/svc/machines/\(a1Machine)/stop")
            #expect(stop == 503, "a command for an unreachable host is refused, not queued behind the user's back")
            // The data plane goes on: the machine still serves inside its host.
            let served = try cluster.inNamespace(a1, ["wget", "-qO-", "http://\(a1IP):8080/index.html"])
            #expect(served.stdout == "hello from tarmac\n", "\(served.stderr)")
            // Nothing was started elsewhere.
            #expect(cluster.containers(a2).count == 1)

            try cluster.network.restore(a1.index)
            let back = try await cluster.eventually(timeout: .seconds(30)) {
                try await cluster.json("GET", "/v1/apps/svc/machines/\(a1Machine)").1?["host_status"] as? String == "ok"
            }
            #expect(back, "\(cluster.log)")

            // kill -9 of the agent: the machine keeps running and is re-adopted, not duplicated.
            cluster.kill9(a1)
            try await Task.sleep(for: .seconds(1))
            #expect(try cluster.inNamespace(a1, ["wget", "-qO-", "http://\(a1IP):8080/index.html"]).stdout == "hello from tarmac\n")
            try cluster.start(a1)
            let readopted = try await cluster.eventually(timeout: .seconds(30)) {
                try await cluster.json("GET", "/v1/apps/svc/machines/\(a1Machine)").1?["host_status"] as? String == "ok"
            }
            #expect(readopted)
            let (_, again) = try await cluster.json("GET", "/v1/apps/svc/machines/\(a1Machine)")
            #expect(again?["state"] as? String == "started")
            #expect(again?["private_ip"] as? String == a1IP)
            #expect(cluster.containers(a1) == [a1Machine])

            // With the server down, the agents go on: a crash-looping machine is restarted by its
            // policy, and every exit it saw reaches the server's log once it returns.
            let crashing = try await cluster.createMachine(app: "svc", body: [
                "config": ["image": "busybox-test:latest", "init": ["cmd": ["sh", "-c", "echo crash-loop; sleep 1; exit 3"]], "restart": ["policy": "always"]],
            ])
            let crashingID = try #require(crashing["id"] as? String)
            _ = try await cluster.wait(app: "svc", id: crashingID, state: "started")
            cluster.killServer()
            try await Task.sleep(for: .seconds(5))
            try await cluster.startServer()
            try await cluster.waitForHosts(2)
            let exits = try await cluster.eventually(timeout: .seconds(20)) {
                try await cluster.events(app: "svc", id: crashingID).filter { $0["type"] as? String == "exit" }.count >= 3
            }
            let seen = try await cluster.events(app: "svc", id: crashingID).map { "\($0["type"] ?? "")/\($0["status"] ?? "")" }
            #expect(exits, "exits seen while the server was down are delivered: \(seen)")
            // Its logs, collected on the host, come through the tunnel.
            let (logStatus, logs) = try await cluster.json("GET", "/tarmac/v1/apps/svc/logs?machine=\(crashingID)&limit=50")
            #expect(logStatus == 200)
            let lines = (logs?["lines"] as? [[String: Any]])?.compactMap { $0["message"] as? String } ?? []
            #expect(lines.filter { $0 == "crash-loop" }.count >= 3, "\(lines)")
            let machines = try await cluster.jsonArray("GET", "/v1/apps/svc/machines").1
            #expect(machines.count == 3, "every acknowledged create exists exactly once")
            #expect(Set(machines.compactMap { $0["id"] as? String }) == Set(ids + [crashingID]))
            let running = cluster.containers(a1) + cluster.containers(a2)
            #expect(Set(running).isSubset(of: Set(ids + [crashingID])), "no runtime resource the store does not know: \(running)")
        }
    }
}

/// `tarmac server` and `tarmac agent` refuse bad options before they touch anything.
@Suite("Cluster: bad options")
struct ClusterOptionTests {
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Shell.Output {
        try Shell.run(try TestPaths.tarmac, arguments, environment: environment)
    }

    @Test("each bad option is refused with a message naming it (exit 64)", arguments: [
        (["agent", "--server", "ftp://10.0.0.1:4281", "--region", "ams"], "--server"),
        (["agent", "--server", "http://10.0.0.1:4281", "--region", "Amsterdam"], "--region"),
        (["agent", "--server", "http://10.0.0.1:4281", "--region", "ams", "--cpus", "0"], "--cpus"),
        (["agent", "--server", "http://10.0.0.1:4281", "--region", "ams", "--memory-mb", "10"], "--memory-mb"),
        (["agent", "--server", "http://10.0.0.1:4281", "--region", "ams", "--memory-overcommit", "100"], "--memory-overcommit"),
        (["agent", "--server", "http://10.0.0.1:4281", "--region", "ams", "--token-file", "/nonexistent/token"], "--token-file"),
        (["server", "--heartbeat-seconds", "0"], "--heartbeat-seconds"),
        (["server", "--api-listen", "nowhere"], "--api-listen"),
        (["server", "--default-region", "A B"], "--default-region"),
    ])
    func refused(arguments: [String], option: String) throws {
        let output = try Self.run(arguments, environment: ["TARMAC_AGENT_TOKEN": "t", "TARMAC_DATA_DIR": "/nonexistent/tarmac-options-test"])
        #expect(output.status != 0)
        #expect(output.stderr.contains(option), "\(output.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/nonexistent/tarmac-options-test"))
    }

    @Test("an agent without a token says where to get one")
    func agentWithoutToken() throws {
        let output = try Self.run(["agent", "--server", "http://10.0.0.1:4281", "--region", "ams"], environment: ["TARMAC_AGENT_TOKEN": ""])
        #expect(output.status == 64)
        #expect(output.stderr.contains("TARMAC_AGENT_TOKEN"), "\(output.stderr)")
    }
}

extension ClusterInstance {
    /// Runs the `tarmac` CLI against the cluster's server.
    func cli(_ arguments: [String]) throws -> Shell.Output {
        try Shell.run(try TestPaths.tarmac, arguments, environment: ["TARMAC_API_URL": baseURL, "TARMAC_API_TOKEN": token])
    }
}

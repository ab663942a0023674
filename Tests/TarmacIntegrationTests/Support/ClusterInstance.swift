import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real cluster on one machine: `tarmac server` on the host, and `tarmac agent`s each in
/// its own network namespace (`ClusterNetwork`), dialling the server over the test bridge.
final class ClusterInstance: APIFixture, @unchecked Sendable {
    // @unchecked: processes are only touched by the test that owns the cluster.

    final class AgentProcess: @unchecked Sendable {
        let index: Int
        let region: String
        let namespace: String
        let dataDirectory: URL
        let bridge: String
        let subnet: String
        let prefix: String
        let extraArguments: [String]
        var process: Process?
        let logFile: URL

        init(index: Int, region: String, namespace: String, root: URL, tag: Int, extraArguments: [String]) {
            self.index = index
            self.region = region
            self.namespace = namespace
            dataDirectory = root.appendingPathComponent("agent-\(index)")
            bridge = "tc\(tag)m\(index)"
            subnet = "172.29.\(index).0/24"
            prefix = "tc\(tag)p\(index)"
            self.extraArguments = extraArguments
            logFile = root.appendingPathComponent("agent-\(index).log")
        }

        var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }
        var runcRoot: String { dataDirectory.appendingPathComponent("agent/runc").path }
    }

    let root: URL
    let network = ClusterNetwork()
    let apiPort = Int.random(in: 20_000...32_000)
    let agentPort = Int.random(in: 20_000...32_000)
    let token = "test-token-" + UUID().uuidString.prefix(8).lowercased()
    let agentToken = "agent-token-" + UUID().uuidString.prefix(8).lowercased()
    private(set) var agents: [AgentProcess] = []
    private var server: Process?
    private let serverLog: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-cl-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        serverLog = root.appendingPathComponent("server.log")
    }

    var baseURL: String { "http://127.0.0.1:\(apiPort)" }
    var log: String {
        ([("server", (try? String(contentsOf: serverLog, encoding: .utf8)) ?? "")] + agents.map { ("agent \($0.index)", $0.log) })
            .map { "== \($0.0)\n\($0.1.suffix(3000))" }.joined(separator: "\n")
    }

    // MARK: processes

    func startServer() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestPaths.tarmac)
        process.arguments = [
            "server", "--data-dir", root.appendingPathComponent("server").path, "--api-listen", "127.0.0.1:\(apiPort)",
            "--agent-listen", "\(network.gateway):\(agentPort)", "--default-region", "ams", "--heartbeat-seconds", "1", "--log-level", "debug",
        ]
        process.environment = ProcessInfo.processInfo.environment.merging(["TARMAC_API_TOKEN": token, "TARMAC_AGENT_TOKEN": agentToken]) { _, new in new }
        try Self.redirect(process, to: serverLog)
        try process.run()
        server = process
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if !process.isRunning { throw FixtureError("tarmac server exited early:\n\(log)") }
            if let (status, _) = try? await request("GET", "/tarmac/v1/health"), status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw FixtureError("tarmac server did not answer within 30 s:\n\(log)")
    }

    func killServer() {
        guard let server else { return }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        self.server = nil
    }

    /// Adds an agent in its own namespace and starts it.
    @discardableResult
    func addAgent(region: String, arguments: [String] = []) throws -> AgentProcess {
        let index = agents.count
        let namespace = try network.addNamespace(index)
        let agent = AgentProcess(index: index, region: region, namespace: namespace, root: root, tag: network.tag, extraArguments: arguments)
        agents.append(agent)
        try start(agent)
        return agent
    }

    func start(_ agent: AgentProcess) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "nsenter", "--net=/run/netns/\(agent.namespace)", "--", try TestPaths.tarmac, "agent", "--server", "http://\(network.gateway):\(agentPort)",
            "--region", agent.region, "--data-dir", agent.dataDirectory.path, "--runtime", "container", "--bridge", agent.bridge,
            "--subnet", agent.subnet, "--resource-prefix", agent.prefix, "--log-level", "debug",
        ] + agent.extraArguments
        process.environment = ProcessInfo.processInfo.environment.merging(["TARMAC_AGENT_TOKEN": agentToken]) { _, new in new }
        try Self.redirect(process, to: agent.logFile)
        try process.run()
        agent.process = process
    }

    /// `kill -9` of an agent: its machines keep running.
    func kill9(_ agent: AgentProcess) {
        guard let process = agent.process else { return }
        // nsenter execs the agent (it enters no pid namespace), so the pid is the agent's.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        agent.process = nil
    }

    static func redirect(_ process: Process, to file: URL) throws {
        if !FileManager.default.fileExists(atPath: file.path) { FileManager.default.createFile(atPath: file.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
    }

    // MARK: helpers

    /// The hosts as the server lists them, by region order of `agents`.
    func hosts() async throws -> [[String: Any]] {
        try await jsonArray("GET", "/tarmac/v1/hosts").1
    }

    /// Waits until `count` hosts are connected (`status: ok`).
    func waitForHosts(_ count: Int, timeout: Duration = .seconds(30)) async throws {
        let ok = try await eventually(timeout: timeout) { try await self.hosts().filter { $0["status"] as? String == "ok" }.count >= count }
        if !ok { throw FixtureError("\(count) hosts did not connect: \(try await hosts())\n\(log)") }
    }

    /// A host's listing by its agent's region and index order (the host id is the agent's).
    func hostID(of agent: AgentProcess) throws -> String {
        let text = try String(contentsOf: agent.logFile, encoding: .utf8)
        guard let range = text.range(of: #"host_id=host-[0-9a-f]{8}"#, options: .regularExpression) else { throw FixtureError("no host id in agent \(agent.index)'s log") }
        return String(text[range].dropFirst("host_id=".count))
    }

    /// Imports the busybox image straight into an agent's image store.
    func importBusybox(into agent: AgentProcess, name: String = "busybox-test:latest") throws {
        let rootfs = root.appendingPathComponent("rootfs-\(UUID().uuidString.prefix(6))")
        try BusyboxImage.makeRootfs(at: rootfs)
        defer { try? FileManager.default.removeItem(at: rootfs) }
        let output = try Shell.run(try TestPaths.tarmac, ["image", "import", rootfs.path, name, "--cmd", "sh", "--data-dir", agent.dataDirectory.path])
        guard output.status == 0 else { throw FixtureError("image import failed: \(output.stderr)\(output.stdout)") }
    }

    /// Runs a command in an agent's namespace (where its machines' addresses are reachable).
    func inNamespace(_ agent: AgentProcess, _ arguments: [String]) throws -> Shell.Output {
        try Shell.run("nsenter", ["--net=/run/netns/\(agent.namespace)", "--"] + arguments)
    }

    /// The runc containers an agent's host runs.
    func containers(_ agent: AgentProcess) -> [String] {
        Shell.lines("runc", ["--root", agent.runcRoot, "list", "-q"])
    }

    func shutdown() async {
        if server != nil, let (_, apps) = try? await json("GET", "/v1/apps?org_slug=personal"), let list = apps?["apps"] as? [[String: Any]] {
            for app in list {
                guard let name = app["name"] as? String else { continue }
                _ = try? await request("DELETE", "/v1/apps/\(name)?force=true")
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
        for agent in agents {
            if let process = agent.process {
                process.terminate()
                process.waitUntilExit()
                agent.process = nil
            }
            // Whatever a failed test left running on the host.
            for id in containers(agent) { _ = try? Shell.run("runc", ["--root", agent.runcRoot, "delete", "--force", id]) }
            for controller in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [] { rmdir("/sys/fs/cgroup/\(controller)/\(agent.prefix)") }
        }
        if let server {
            server.terminate()
            server.waitUntilExit()
            self.server = nil
        }
        network.remove()
        if let keep = ProcessInfo.processInfo.environment["TARMAC_IT_KEEP_LOGS"] {
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            try? log.write(toFile: keep + "/\(root.lastPathComponent).log", atomically: true, encoding: .utf8)
        }
        try? FileManager.default.removeItem(at: root)
    }

    /// Runs `body` against a fresh cluster (server started) and always tears it down.
    static func with(_ body: (ClusterInstance) async throws -> Void) async throws {
        let cluster = try ClusterInstance()
        do {
            try cluster.network.make()
            try await cluster.startServer()
            try await body(cluster)
        } catch {
            await cluster.shutdown()
            throw error
        }
        await cluster.shutdown()
    }
}

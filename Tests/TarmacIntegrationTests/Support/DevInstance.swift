import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import TarmacNet

/// A real `tarmac dev` process on its own data directory, port, bridge, subnet and resource
/// prefix, so suites can run side by side (and beside a developer's own instance).
final class DevInstance: APIFixture, @unchecked Sendable {
    // @unchecked: `process` is only touched from the test that owns the instance.

    /// The machine runtime the instance is started with. Always passed explicitly, so the
    /// container suites run on containers even on hosts where `auto` would pick microVMs.
    enum Runtime: String, Sendable {
        case container, microvm
    }

    let runtime: Runtime
    let dataDirectory: URL
    let port: Int
    let token = "test-token-" + UUID().uuidString.prefix(8).lowercased()
    let bridge: String
    let subnet: String
    let prefix: String
    private var process: Process?
    private let logFile: URL
    /// Extra environment for the next `launch()` (e.g. `TARMAC_FAULTS`).
    var environment: [String: String] = [:]
    /// Extra `tarmac dev` arguments for the next `launch()`.
    var extraArguments: [String] = []

    init(runtime: Runtime = .container) throws {
        self.runtime = runtime
        let tag = Int.random(in: 10...249)
        let suffix = String(UUID().uuidString.prefix(4)).lowercased()
        dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-it-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        // Below Linux's ephemeral range (32768-60999): an outgoing connection of another test
        // cannot hold it (one did, and tarmac dev failed to bind).
        port = Int.random(in: 20_000...32_000)
        bridge = "tt\(tag)\(suffix)"
        subnet = "172.31.\(tag).0/24"
        prefix = "tt\(tag)\(suffix)"
        logFile = dataDirectory.appendingPathComponent("dev.log")
    }

    /// The microVM guest artefacts: `TARMAC_GUEST_DIR` or scripts/build-guest.sh's default.
    static var guestDirectory: String {
        ProcessInfo.processInfo.environment["TARMAC_GUEST_DIR"] ?? "/var/lib/tarmac/guest"
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Starts `tarmac dev` and waits until its API answers.
    func launch() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestPaths.tarmac)
        process.arguments = [
            "dev", "--data-dir", dataDirectory.path, "--api-listen", "127.0.0.1:\(port)", "--bridge", bridge,
            "--subnet", subnet, "--resource-prefix", prefix, "--log-level", "debug", "--runtime", runtime.rawValue,
        ]
        if runtime == .microvm { process.arguments? += ["--guest-dir", Self.guestDirectory] }
        process.arguments? += extraArguments
        var environment = ProcessInfo.processInfo.environment
        environment["TARMAC_API_TOKEN"] = token
        environment.merge(self.environment) { _, new in new }
        process.environment = environment
        if !FileManager.default.fileExists(atPath: logFile.path) { FileManager.default.createFile(atPath: logFile.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: logFile)
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if !process.isRunning { throw FixtureError("tarmac dev exited early:\n\(log)") }
            if let (status, _) = try? await request("GET", "/tarmac/v1/health"), status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw FixtureError("tarmac dev did not answer within 30 s:\n\(log)")
    }

    /// `kill -9`: the process dies without any cleanup, machines keep running.
    func kill9() {
        guard let process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Whether the `tarmac dev` process is still alive (a fault may have killed it).
    var isRunning: Bool { process?.isRunning ?? false }

    /// Reaps a process that died by itself (a crash fault), so `launch()` can start anew.
    func reapIfDead() {
        guard let process, !process.isRunning else { return }
        process.waitUntilExit()
        self.process = nil
    }

    /// Graceful stop (SIGTERM).
    func stop() {
        guard let process else { return }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
    }

    /// Destroys every machine, stops the server and removes the bridge and data directory.
    func shutdown() async {
        if process != nil {
            if let (_, apps) = try? await json("GET", "/v1/apps?org_slug=personal"), let list = apps?["apps"] as? [[String: Any]] {
                for app in list {
                    guard let name = app["name"] as? String else { continue }
                    _ = try? await request("DELETE", "/v1/apps/\(name)?force=true")
                }
            }
            // Give destroys a moment to finish on the agent.
            try? await Task.sleep(for: .milliseconds(500))
        }
        stop()
        // A failed microVM test may leave guests behind; they must not outlive the instance.
        for pid in RuntimeLeftovers.qemuProcesses(prefix: prefix) {
            if let pid = Int32(pid) { kill(pid, SIGKILL) }
        }
        let network = BridgeNetwork(configuration: .init(bridgeName: bridge, subnet: IPv4CIDR(subnet) ?? BridgeNetwork.Configuration.defaultSubnet), logger: Logger(label: "test"))
        try? await network.remove()
        // The instance's parent cgroups (`/<prefix>` in each v1 controller) are empty now.
        let controllers = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
        for controller in controllers { rmdir("/sys/fs/cgroup/\(controller)/\(prefix)") }
        // TARMAC_IT_KEEP_LOGS=DIR keeps each instance's log (for debugging failed runs).
        if let keep = ProcessInfo.processInfo.environment["TARMAC_IT_KEEP_LOGS"] {
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            try? FileManager.default.copyItem(at: logFile, to: URL(fileURLWithPath: keep).appendingPathComponent("\(dataDirectory.lastPathComponent).log"))
        }
        try? FileManager.default.removeItem(at: dataDirectory)
    }

    /// Runs the `tarmac` CLI against this instance.
    func cli(_ arguments: [String]) throws -> Shell.Output {
        try Shell.run(try TestPaths.tarmac, arguments, environment: [
            "TARMAC_API_URL": baseURL, "TARMAC_API_TOKEN": token, "TARMAC_DATA_DIR": dataDirectory.path,
        ])
    }

    // MARK: helpers for machine tests

    /// Imports a busybox image under `name` (once per instance).
    func importBusybox(_ name: String = "busybox-test:latest") throws {
        let rootfs = dataDirectory.appendingPathComponent("rootfs-\(UUID().uuidString.prefix(6))")
        try BusyboxImage.makeRootfs(at: rootfs)
        let output = try cli(["image", "import", rootfs.path, name, "--cmd", "sh", "--env", "GREETING=hello"])
        guard output.status == 0 else { throw FixtureError("image import failed: \(output.stderr)\(output.stdout)") }
        try? FileManager.default.removeItem(at: rootfs)
    }

}

extension DevInstance {
    /// Runs `body` against a fresh, launched instance and always shuts it down afterwards.
    static func with(runtime: Runtime = .container, arguments: [String] = [], _ body: (DevInstance) async throws -> Void) async throws {
        let dev = try DevInstance(runtime: runtime)
        dev.extraArguments = arguments
        do {
            try await dev.launch()
            try await body(dev)
        } catch {
            await dev.shutdown()
            throw error
        }
        await dev.shutdown()
    }
}

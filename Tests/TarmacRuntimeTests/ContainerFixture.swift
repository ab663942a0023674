import Foundation
import Logging
import TarmacModel
@testable import TarmacNet
import TarmacSystem
import Testing
@testable import TarmacRuntime

/// Shared set-up of the tests that run real containers: a busybox image directory, the
/// shim (`tarmac-shim` of this build), a test bridge and a driver whose host-global names use a
/// test prefix, so nothing here touches a `tarmac dev` running on the same host.
struct ContainerFixture {
    static let bridge = "tmtestbr0"
    static let subnet = IPv4CIDR(constant: IPv4Address(0x0AD5_0700), prefixLength: 24) // 10.213.7.0/24
    static let prefix = "tmtest"

    /// Whether this host can run the container tests at all (root, runc present).
    static var canRunContainers: Bool { getuid() == 0 && Command.exists("runc") && Command.exists("busybox") }

    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// The shim command, as the driver picks it by default for a `tarmac` in the build
    /// directory of this test binary: `tarmac-shim` (or `tarmac runtime-shim` with
    /// `TARMAC_SHIM=runtime-shim`); `swift build --build-tests` must have produced it.
    static func shimCommand() throws -> [String] {
        let directory = URL(fileURLWithPath: Processes.currentExecutable()).deletingLastPathComponent().path
        let command = ContainerDriver.defaultShimCommand(tarmac: "\(directory)/tarmac")
        guard let program = command.first, FileManager.default.isExecutableFile(atPath: program) else {
            Issue.record("\(command.first ?? "the shim") is missing: run `swift build --build-tests` before the runtime tests")
            throw RuntimeError(.unsupported, "missing \(command.first ?? "shim")")
        }
        return command
    }

    /// A one-layer busybox image, built once per test process.
    static let image: Result<String, any Error> = Result { try buildImage() }

    /// Built into a temporary directory and renamed into place, reused by later runs.
    static func buildImage() throws -> String {
        let final = FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-runtime-tests-image-v1").path
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: "\(final)/.complete") { return final }
        let root = "\(final).tmp-\(getpid())"
        try? fileManager.removeItem(atPath: root)
        for directory in ["bin", "etc", "tmp", "www", "root", "home/app"] {
            try fileManager.createDirectory(atPath: "\(root)/\(directory)", withIntermediateDirectories: true)
        }
        let busybox = try Command.resolve("busybox")
        try fileManager.copyItem(atPath: busybox, toPath: "\(root)/bin/busybox")
        for applet in ["sh", "sleep", "httpd", "wget", "cat", "echo", "id", "pwd", "ls", "touch", "test", "env", "true", "hostname", "ip", "ping", "kill", "seq", "head", "dd"] {
            try fileManager.createSymbolicLink(atPath: "\(root)/bin/\(applet)", withDestinationPath: "busybox")
        }
        try "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n".write(toFile: "\(root)/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\napp:x:1000:\nextra:x:2000:app\n".write(toFile: "\(root)/etc/group", atomically: true, encoding: .utf8)
        try "hello from tarmac\n".write(toFile: "\(root)/www/index.html", atomically: true, encoding: .utf8)
        chmod("\(root)/tmp", 0o1777)
        _ = fileManager.createFile(atPath: "\(root)/.complete", contents: Data())
        try? fileManager.removeItem(atPath: final)
        if rename(root, final) != 0 { try? fileManager.removeItem(atPath: root) }
        return final
    }

    /// Ensures the test bridge (idempotent).
    static func ensureBridge() async throws {
        var logger = Logger(label: "tarmac.tests")
        logger.logLevel = .warning
        let network = BridgeNetwork(configuration: .init(bridgeName: bridge, subnet: subnet, enableNAT: false), logger: logger)
        try await network.ensure()
    }

    let base: String
    let driver: ContainerDriver

    /// `base` reuses the state directory of an earlier fixture (another process's).
    init(prefix: String = ContainerFixture.prefix, base existing: String? = nil) throws {
        let image = try Self.image.get()
        base = existing ?? FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-runtime-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        driver = ContainerDriver(configuration: Self.configuration(base: base, image: image, prefix: prefix, shim: try Self.shimCommand()),
                                 logger: Logger(label: "tarmac.tests"))
    }

    static func configuration(base: String, image: String, prefix: String, shim: [String]) -> ContainerDriver.Configuration {
        ContainerDriver.Configuration(
            runcRoot: "\(base)/runc", shimCommand: shim,
            layers: { digest in
                guard digest == "sha256:busybox" else { throw RuntimeError(.imageMissing, "unknown image \(digest)") }
                return [image]
            },
            resourcePrefix: prefix, startTimeout: .seconds(10)
        )
    }

    /// A second driver on the same state, like an agent after a restart.
    func restartedDriver() throws -> ContainerDriver {
        ContainerDriver(configuration: Self.configuration(base: base, image: try Self.image.get(), prefix: driver.configuration.resourcePrefix,
                                                          shim: try Self.shimCommand()),
                        logger: Logger(label: "tarmac.tests.restarted"))
    }

    /// A spec running `script` with busybox sh; `host` is the last octet of the address (nil: no network).
    func spec(_ args: [String], id: String = Identifiers.machineID(), host: UInt32? = nil, env: [String] = [], cwd: String = "/",
              user: String = "", memoryMB: Int = 128, image: String = "sha256:busybox") -> RuntimeSpec {
        let directory = "\(base)/machines/\(id)"
        let network: NetworkSpec
        if let host {
            network = NetworkSpec(address: IPv4Address(Self.subnet.network.value + host).description, prefixLength: Self.subnet.prefixLength,
                                  gateway: Self.subnet.gateway.description, bridge: Self.bridge, nameservers: ["10.213.7.1"])
        } else {
            network = NetworkSpec(address: "", prefixLength: 0, gateway: "", bridge: "", nameservers: [])
        }
        return RuntimeSpec(
            machineID: id, instanceID: UUID().uuidString.replacingOccurrences(of: "-", with: ""), appName: "tests", imageDigest: image,
            process: ProcessSpec(args: args, env: env, workingDirectory: cwd, user: user),
            cpus: 1, memoryMB: memoryMB, network: network, hostname: "m-\(id.prefix(6))",
            machineDirectory: directory, logPath: "\(directory)/machine.log"
        )
    }

    /// Waits with a deadline so a broken driver fails the test instead of hanging it.
    func wait(_ handle: RuntimeHandle, using driver: ContainerDriver? = nil, timeout: Duration = .seconds(15)) async throws -> TarmacRuntime.ExitStatus {
        try await waitWithDeadline(driver ?? self.driver, handle, timeout: timeout)
    }

    func log(_ spec: RuntimeSpec) -> String {
        (try? String(contentsOfFile: spec.logPath, encoding: .utf8)) ?? ""
    }

    /// Host resources of a machine that still exist (empty = fully cleaned up).
    func leftovers(_ handle: RuntimeHandle) -> [String] {
        Self.leftovers(handle, prefix: handle.details["resourcePrefix"] ?? Self.prefix)
    }

    func removeBase() {
        try? FileManager.default.removeItem(atPath: base)
    }
}

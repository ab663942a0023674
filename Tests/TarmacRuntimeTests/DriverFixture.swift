import Foundation
import Logging
import TarmacModel
@testable import TarmacNet
import TarmacSystem
import Testing
@testable import TarmacRuntime

/// The two runtime drivers, as arguments of the shared driver suite.
enum DriverKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case container, microvm
    var testDescription: String { rawValue }
}

/// One driver under test with its own state directory, test bridge and resource prefix.
/// Containers use `ContainerFixture`'s bridge (tmtestbr0, 10.213.7.0/24, prefix tmtest);
/// microVMs their own (tmvmbr0, 10.213.12.0/24, prefix tmvm), always under TCG.
struct DriverFixture: Sendable {
    static let vmBridge = "tmvmbr0"
    static let vmSubnet = IPv4CIDR(constant: IPv4Address(0x0AD5_0C00), prefixLength: 24) // 10.213.12.0/24 (10.213.8 is HostNetworkTests)
    static let vmPrefix = "tmvm"

    /// Guest artefacts: `$TARMAC_GUEST_DIR`, else `/var/lib/tarmac/guest`.
    static var guestDirectory: String {
        ProcessInfo.processInfo.environment["TARMAC_GUEST_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/var/lib/tarmac/guest"
    }

    /// Root disks built from the test image, shared by every microVM test of this process
    /// and reused by later runs (keyed by the image directory, which carries a version).
    static var vmCacheDirectory: String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-vm-tests-cache").path
    }

    let kind: DriverKind
    let base: String
    let driver: any RuntimeDriver
    let bridge: String
    let subnet: IPv4CIDR
    let prefix: String

    /// A fresh fixture; fails the test (with what to do) when the kind cannot run here.
    static func make(_ kind: DriverKind, prefix: String? = nil, base existing: String? = nil) async throws -> DriverFixture {
        let base = existing ?? FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-drv-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        switch kind {
        case .container:
            let container = try ContainerFixture(prefix: prefix ?? ContainerFixture.prefix, base: base)
            try await ContainerFixture.ensureBridge()
            return DriverFixture(kind: kind, base: base, driver: container.driver, bridge: ContainerFixture.bridge,
                                 subnet: ContainerFixture.subnet, prefix: prefix ?? ContainerFixture.prefix)
        case .microvm:
            let guest = GuestArtifacts(directory: guestDirectory)
            guard guest.exist else {
                if existing == nil { try? FileManager.default.removeItem(atPath: base) }
                Issue.record("the microVM guest artefacts are missing in \(guestDirectory): run scripts/build-guest.sh (or set TARMAC_GUEST_DIR)")
                throw RuntimeError(.unsupported, "missing guest artefacts")
            }
            var logger = Logger(label: "tarmac.tests.vm")
            logger.logLevel = .warning
            let network = BridgeNetwork(configuration: .init(bridgeName: vmBridge, subnet: vmSubnet, enableNAT: false), logger: logger)
            do {
                try await network.ensure()
            } catch {
                // Another suite may be creating the same bridge right now.
                try await Task.sleep(for: .milliseconds(200))
                try await network.ensure()
            }
            return DriverFixture(kind: kind, base: base, driver: try microVMDriver(prefix: prefix ?? vmPrefix),
                                 bridge: vmBridge, subnet: vmSubnet, prefix: prefix ?? vmPrefix)
        }
    }

    /// `TARMAC_TEST_LOG=debug` shows the driver's step timings.
    static var testLogger: Logger {
        var logger = Logger(label: "tarmac.tests.vm")
        logger.logLevel = ProcessInfo.processInfo.environment["TARMAC_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        return logger
    }

    static func microVMDriver(prefix: String) throws -> MicroVMDriver {
        let image = try ContainerFixture.image.get()
        let cache = "\(vmCacheDirectory)/\(URL(fileURLWithPath: image).lastPathComponent)"
        return MicroVMDriver(
            configuration: .init(
                layers: { digest in
                    guard digest == "sha256:busybox" else { throw RuntimeError(.imageMissing, "unknown image \(digest)") }
                    return [image]
                },
                cacheDirectory: cache, guestDirectory: guestDirectory, resourcePrefix: prefix, accelerator: .tcg,
                startTimeout: .seconds(90)),
            logger: testLogger)
    }

    /// A second driver on the same state, like an agent after a restart.
    func restartedDriver() throws -> any RuntimeDriver {
        switch kind {
        case .container: try ContainerFixture(prefix: prefix, base: base).driver
        case .microvm: try Self.microVMDriver(prefix: prefix)
        }
    }

    /// How long a machine of this kind may take to do something simple (TCG boots are slow
    /// on a loaded host).
    var patience: Duration { kind == .microvm ? .seconds(90) : .seconds(15) }

    /// A spec running `args`; `host` is the last octet of the address (nil: no network).
    func spec(_ args: [String], id: String = Identifiers.machineID(), host: UInt32? = nil, env: [String] = [], cwd: String = "/",
              user: String = "", memoryMB: Int = 128, image: String = "sha256:busybox") -> RuntimeSpec {
        let directory = "\(base)/machines/\(id)"
        let network: NetworkSpec
        if let host {
            network = NetworkSpec(address: IPv4Address(subnet.network.value + host).description, prefixLength: subnet.prefixLength,
                                  gateway: subnet.gateway.description, bridge: bridge, nameservers: [subnet.gateway.description])
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
    func wait(_ handle: RuntimeHandle, using other: (any RuntimeDriver)? = nil, timeout: Duration? = nil) async throws -> TarmacRuntime.ExitStatus {
        let driver = other ?? self.driver
        return try await waitWithDeadline(driver, handle, timeout: timeout ?? patience)
    }

    func log(_ spec: RuntimeSpec) -> String {
        (try? String(contentsOfFile: spec.logPath, encoding: .utf8)) ?? ""
    }

    /// Host resources of a machine that still exist (empty = fully cleaned up).
    func leftovers(_ handle: RuntimeHandle) -> [String] {
        switch kind {
        case .container:
            return ContainerFixture.leftovers(handle, prefix: prefix)
        case .microvm:
            var found: [String] = []
            if handle.pid > 0, Processes.isAlive(pid: handle.pid, startTime: handle.pidStartTime) { found.append("qemu") }
            let tap = TapDevice(machineID: handle.machineID, prefix: prefix)
            if tap.exists { found.append("tap \(tap.name)") }
            if let directory = handle.details["machineDirectory"], FileManager.default.fileExists(atPath: "\(directory)/vm") { found.append("vm directory") }
            return found
        }
    }

    func removeBase() {
        try? FileManager.default.removeItem(atPath: base)
    }
}

extension ContainerFixture {
    /// `leftovers` without a fixture instance.
    static func leftovers(_ handle: RuntimeHandle, prefix: String) -> [String] {
        let id = handle.machineID
        var found: [String] = []
        if let root = handle.details["runcRoot"], FileManager.default.fileExists(atPath: "\(root)/\(id)") { found.append("runc state") }
        if let bundle = handle.details["bundle"], OverlayMount.mounts(sourcePrefix: "").contains(where: { $0.target == "\(bundle)/rootfs" }) {
            found.append("rootfs mount")
        }
        let network = MachineNetwork(machineID: id, prefix: prefix)
        if FileManager.default.fileExists(atPath: network.namespacePath) { found.append("netns") }
        if FileManager.default.fileExists(atPath: "/sys/class/net/\(network.hostInterfaceName)") { found.append("veth") }
        found += CgroupV1.directories(of: "/\(prefix)/\(id)")
        return found
    }
}

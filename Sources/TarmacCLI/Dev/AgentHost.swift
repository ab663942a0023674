import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import TarmacAgent
import TarmacAgentProtocol
import TarmacAgentWire
import TarmacImage
import TarmacNet
import TarmacRuntime
import TarmacSystem

/// The host-agent half of a Tarmac process, shared by `tarmac dev` (with a control plane in
/// the same process) and `tarmac agent` (dialling a remote one): the bridge network, the
/// image store and registry client, the runtime, the `Agent`, and its HTTP server on a unix
/// socket with a fresh in-memory token.
struct AgentHost {
    struct Settings: Sendable {
        var dataDirectory: String
        var region: String
        var runtime: RuntimeChoice
        var subnet: IPv4CIDR
        var bridge: String
        var resourcePrefix: String
        var insecureRegistries: Set<String>
        var guestDirectory: String

        var agentSocket: String { dataDirectory + "/agent.sock" }
        var registryCredentialsFile: String { dataDirectory + "/registries.json" }
    }

    let agent: Agent
    let server: Application<RouterResponder<BasicRequestContext>>
    let token: AgentToken
    let runtime: String
    let runtimeReason: String
    /// The registry client's connection pool: a service of the group, shut down with it.
    let registryHTTP: HTTPClient

    /// The client for the agent's own socket.
    var client: HTTPAgentClient { HTTPAgentClient(endpoint: .unixSocket(path: settings.agentSocket), token: token) }
    let settings: Settings

    /// Builds every part; on a failure the registry client is shut down before the error
    /// is thrown (never left to AsyncHTTPClient's deinit trap).
    static func make(settings: Settings, logger: Logger) async throws -> AgentHost {
        guard geteuid() == 0 else {
            throw DevError("the host agent must run as root: it drives runc, mounts overlay file systems and creates network namespaces (try sudo)")
        }
        let root = settings.dataDirectory
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for tool in ["ip", "iptables", "mount"] where !Command.exists(tool) {
            throw DevError("\(tool) is not installed: run the setup command from the README (it installs runc, iproute2 and iptables)")
        }
        let network = BridgeNetwork(configuration: .init(bridgeName: settings.bridge, subnet: settings.subnet), logger: logger)
        try await network.ensure()

        let images = ImageStore(root: URL(fileURLWithPath: root + "/images"), logger: logger)
        let registryHTTP = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: RegistryClient.httpConfiguration)
        do {
            let registry = RegistryClient(
                configuration: .init(insecureRegistries: settings.insecureRegistries, credentialsFile: URL(fileURLWithPath: settings.registryCredentialsFile)),
                httpClient: registryHTTP, logger: logger)
            let layers: @Sendable (String) async throws -> [String] = { digest in try await images.layerDirectories(for: images.resolve(digest)) }
            let (driver, reason) = try await RuntimeSelection(settings: settings, logger: logger).choose(root: root, layers: layers)
            logger.info("runtime selected", metadata: ["runtime": "\(driver.name)", "reason": "\(reason)"])
            var configuration = Agent.Configuration(dataDirectory: root + "/agent", subnet: settings.subnet)
            configuration.region = settings.region
            configuration.bridge = settings.bridge
            configuration.runtimeReason = reason
            let faults = try FaultPlan.fromEnvironment()
            if !faults.isEmpty { logger.warning("fault injection is on (TARMAC_FAULTS): for tests only", metadata: ["faults": "\(faults.probabilities)"]) }
            configuration.faults = faults
            let agent = try Agent(configuration: configuration, driver: driver, images: images, registry: registry, logger: logger)
            try? FileManager.default.removeItem(atPath: settings.agentSocket)
            // A fresh secret per run, held only in memory: only this process talks to the socket.
            let token = AgentToken.random()
            let server = Application(
                router: AgentRouter.make(agent: agent, token: token),
                configuration: .init(address: .unixDomainSocket(path: settings.agentSocket), serverName: "tarmac-agent"),
                logger: logger)
            return AgentHost(agent: agent, server: server, token: token, runtime: driver.name, runtimeReason: reason, registryHTTP: registryHTTP, settings: settings)
        } catch {
            try? await registryHTTP.shutdown()
            throw error
        }
    }

    /// What this host offers: its CPUs, memory and the data directory's disk, each
    /// overridable (a test host that pretends to be small).
    static func capacity(dataDirectory: String, cpus: Int?, memoryMB: Int?, memoryOvercommit: Double) -> HostCapacity {
        let onlineCPUs = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        var disk = statvfs()
        let diskMB = statvfs(dataDirectory, &disk) == 0 ? Int((UInt64(disk.f_blocks) * UInt64(disk.f_frsize)) >> 20) : 0
        return HostCapacity(cpus: cpus ?? onlineCPUs, memoryMB: memoryMB ?? Self.physicalMemoryMB(), diskMB: diskMB, memoryOvercommit: memoryOvercommit)
    }

    static func physicalMemoryMB() -> Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES))
        let size = sysconf(Int32(_SC_PAGESIZE))
        return pages > 0 && size > 0 ? (pages * size) >> 20 : 1024
    }
}

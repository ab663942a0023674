import Foundation
import AsyncHTTPClient
import Hummingbird
import Logging
import ServiceLifecycle
import TarmacAPI
import TarmacAgent
import TarmacControl
import TarmacImage
import TarmacNet
import TarmacRuntime
import TarmacStore
import TarmacSystem
import UnixSignals
#if canImport(Glibc)
import Glibc
#endif

/// The composition root of `tarmac dev`: builds every part and runs them in one ServiceGroup.
struct DevServer {
    let settings: DevSettings
    let logger: Logger

    func run() async throws {
        guard geteuid() == 0 else {
            throw DevError("tarmac dev must run as root: it drives runc, mounts overlay file systems and creates network namespaces (try: sudo tarmac dev)")
        }
        let root = settings.dataDirectory
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let token = try AdminToken.load(file: settings.tokenFile)
        let (driverName, reason) = try chooseRuntime()
        for tool in ["runc", "ip", "iptables", "mount"] where !Command.exists(tool) {
            throw DevError("\(tool) is not installed: run the setup command from the README (it installs runc, iproute2 and iptables)")
        }

        let network = BridgeNetwork(configuration: .init(bridgeName: settings.bridge, subnet: settings.subnet), logger: logger)
        try await network.ensure()

        let images = ImageStore(root: URL(fileURLWithPath: root + "/images"), logger: logger)
        let registryHTTP = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: RegistryClient.httpConfiguration)
        let registry = RegistryClient(
            configuration: .init(insecureRegistries: settings.insecureRegistries, credentialsFile: URL(fileURLWithPath: settings.registryCredentialsFile)),
            httpClient: registryHTTP, logger: logger)
        let driver = ContainerDriver(
            configuration: .init(
                runcRoot: root + "/agent/runc",
                layers: { digest in try await images.layerDirectories(for: images.resolve(digest)) },
                resourcePrefix: settings.resourcePrefix),
            logger: logger)
        driver.prepare()
        var agentConfiguration = Agent.Configuration(dataDirectory: root + "/agent", subnet: settings.subnet)
        agentConfiguration.region = settings.region
        agentConfiguration.bridge = settings.bridge
        agentConfiguration.runtimeReason = reason
        let agent = try Agent(configuration: agentConfiguration, driver: driver, images: images, registry: registry, logger: logger)
        try? FileManager.default.removeItem(atPath: settings.agentSocket)
        let agentServer = Application(
            router: AgentRouter.make(agent: agent),
            configuration: .init(address: .unixDomainSocket(path: settings.agentSocket), serverName: "tarmac-agent"),
            logger: logger)

        let store = try SQLiteControlStore(path: root + "/control.db")
        let control = Control(
            configuration: { var configuration = Control.Configuration(); configuration.defaultRegion = settings.region; return configuration }(),
            store: store,
            hosts: [Control.Host(id: agent.hostID, region: settings.region, runtime: driverName, api: HTTPAgentClient(endpoint: .unixSocket(path: settings.agentSocket)))],
            logger: logger)
        try await control.bootstrap()
        let api = Application(
            router: APIServer.makeRouter(control: control, configuration: .init(token: token.token)),
            configuration: .init(address: .hostname(settings.apiHost, port: settings.apiPort), serverName: "tarmac"),
            onServerRunning: { _ in announce(token: token, runtime: driverName, reason: reason) },
            logger: logger)

        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: HTTPClientService(client: registryHTTP)),
                    .init(service: agent),
                    .init(service: agentServer),
                    .init(service: AgentSync(control: control)),
                    .init(service: api),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }

    /// `auto` picks the microVM runtime when it exists and KVM works; until then, containers.
    func chooseRuntime() throws -> (String, String) {
        switch settings.runtime {
        case .container:
            return ("container", "requested with --runtime container")
        case .auto:
            return ("container", "auto: the microvm runtime is not available in this build, using runc containers")
        case .microvm:
            throw DevError("--runtime microvm is not available in this build yet: use --runtime container (or auto)")
        }
    }

    func announce(token: AdminToken.Loaded, runtime: String, reason: String) {
        var lines = [
            "Tarmac dev is running.",
            "  API:       \(settings.apiURL)/v1",
            "  runtime:   \(runtime) (\(reason))",
            "  data dir:  \(settings.dataDirectory)",
        ]
        if token.fromEnvironment {
            lines.append("  token:     from TARMAC_API_TOKEN")
        } else {
            lines.append("  token:     \(token.token)\(token.generated ? "  (new; saved to \(settings.tokenFile))" : "  (from \(settings.tokenFile))")")
        }
        lines.append("  try:       tarmac apps create my-app && tarmac machine run <image> -a my-app")
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}

import Foundation
import AsyncHTTPClient
import Hummingbird
import HummingbirdWebSocket
import Logging
import ServiceLifecycle
import TarmacAPI
import TarmacAgentProtocol
import TarmacAgent
import TarmacAgentWire
import TarmacControl
import TarmacImage
import TarmacNet
import TarmacRuntime
import TarmacStore
import TarmacMetrics
import TarmacWebhooks
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
        let metricsRegistry = TarmacMetrics.bootstrap()
        let root = settings.dataDirectory
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let token = try AdminToken.load(file: settings.tokenFile)
        for tool in ["ip", "iptables", "mount"] where !Command.exists(tool) {
            throw DevError("\(tool) is not installed: run the setup command from the README (it installs runc, iproute2 and iptables)")
        }

        let network = BridgeNetwork(configuration: .init(bridgeName: settings.bridge, subnet: settings.subnet), logger: logger)
        try await network.ensure()

        let images = ImageStore(root: URL(fileURLWithPath: root + "/images"), logger: logger)
        let registryHTTP = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: RegistryClient.httpConfiguration)
        // The client must be shut down on every path: a start-up error below is reported, not
        // turned into AsyncHTTPClient's deinit trap.
        do {
            let registry = RegistryClient(
                configuration: .init(insecureRegistries: settings.insecureRegistries, credentialsFile: URL(fileURLWithPath: settings.registryCredentialsFile)),
                httpClient: registryHTTP, logger: logger)
            let layers: @Sendable (String) async throws -> [String] = { digest in try await images.layerDirectories(for: images.resolve(digest)) }
            let (driver, reason) = try await chooseRuntime(root: root, layers: layers)
            let driverName = driver.name
            logger.info("runtime selected", metadata: ["runtime": "\(driverName)", "reason": "\(reason)"])
            var agentConfiguration = Agent.Configuration(dataDirectory: root + "/agent", subnet: settings.subnet)
            agentConfiguration.region = settings.region
            agentConfiguration.bridge = settings.bridge
            agentConfiguration.runtimeReason = reason
            let faults = try FaultPlan.fromEnvironment()
            if !faults.isEmpty { logger.warning("fault injection is on (TARMAC_FAULTS): for tests only", metadata: ["faults": "\(faults.probabilities)"]) }
            agentConfiguration.faults = faults
            let agent = try Agent(configuration: agentConfiguration, driver: driver, images: images, registry: registry, logger: logger)
            try? FileManager.default.removeItem(atPath: settings.agentSocket)
            // A fresh secret per run, held only in memory: both ends of the agent wire are here.
            let agentToken = AgentToken.random()
            let agentServer = Application(
                router: AgentRouter.make(agent: agent, token: agentToken),
                configuration: .init(address: .unixDomainSocket(path: settings.agentSocket), serverName: "tarmac-agent"),
                logger: logger)

            let store = try SQLiteControlStore(path: root + "/control.db")
            let control = Control(
                configuration: {
                    var configuration = Control.Configuration()
                    configuration.defaultRegion = settings.region
                    configuration.faults = faults
                    return configuration
                }(),
                store: store,
                hosts: [Control.Host(id: agent.hostID, region: settings.region, runtime: driverName, api: HTTPAgentClient(endpoint: .unixSocket(path: settings.agentSocket), token: agentToken))],
                logger: logger)
            try await control.bootstrap()
            let metrics = MetricsExport(registry: metricsRegistry, agent: agent)
            let api = Application(
                router: APIServer.makeRouter(control: control, configuration: .init(token: token.token, metrics: { await metrics.render() })),
                server: .http1WebSocketUpgrade(
                    webSocketRouter: AppEventsWebSocket.makeRouter(control: control, configuration: .init(token: token.token))),
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
                        .init(service: WebhookDispatcher(control: control, store: store, configuration: settings.webhooks, logger: logger)),
                        .init(service: api),
                    ],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger))
            try await group.run()
        } catch {
            try? await registryHTTP.shutdown()
            throw error
        }
    }

    /// `auto` picks microVMs when the guest artefacts exist and the KVM probe passes, else
    /// runc containers; `microvm` forces microVMs (under TCG where KVM does not work).
    /// Returns the driver and a sentence saying why.
    func chooseRuntime(root: String, layers: @escaping @Sendable (String) async throws -> [String]) async throws -> (any RuntimeDriver, String) {
        let guest = GuestArtifacts(directory: settings.guestDirectory)
        let microVM = MicroVMDriver(
            configuration: .init(layers: layers, cacheDirectory: root + "/microvm", guestDirectory: settings.guestDirectory,
                                 resourcePrefix: settings.resourcePrefix),
            logger: logger)
        func container(_ reason: String) throws -> (any RuntimeDriver, String) {
            guard Command.exists("runc") else {
                throw DevError("runc is not installed: run the setup command from the README (it installs runc, iproute2 and iptables)")
            }
            let driver = ContainerDriver(
                configuration: .init(runcRoot: root + "/agent/runc", layers: layers, resourcePrefix: settings.resourcePrefix),
                logger: logger)
            driver.prepare()
            return (driver, reason)
        }
        switch settings.runtime {
        case .container:
            return try container("requested with --runtime container")
        case .microvm:
            do {
                try guest.check()
            } catch {
                throw DevError("--runtime microvm: \(error.message)")
            }
            for tool in ["qemu-system-x86_64", "qemu-img"] where !Command.exists(tool) {
                throw DevError("--runtime microvm needs \(tool): run scripts/install-deps.sh (qemu-system-x86, qemu-utils)")
            }
            let decision = await microVM.acceleratorDecision()
            return (microVM, "requested with --runtime microvm; \(decision.reason)")
        case .auto:
            guard guest.exist else {
                return try container("auto: no microVM guest in \(settings.guestDirectory) (build it with scripts/build-guest.sh), using runc containers")
            }
            guard Command.exists("qemu-system-x86_64"), Command.exists("qemu-img") else {
                return try container("auto: QEMU is not installed (qemu-system-x86, qemu-utils), using runc containers")
            }
            let decision = await microVM.acceleratorDecision()
            guard decision.name == "kvm" else {
                return try container("auto: \(decision.reason.replacingOccurrences(of: "; using TCG", with: "")); using runc containers (--runtime microvm forces microVMs under TCG)")
            }
            return (microVM, "auto: \(decision.reason)")
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

import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOPosix
import ServiceLifecycle
import TarmacAgentProtocol
import TarmacAgentWire
import UnixSignals

// `tarmac-scale-agents --server URL --token T --hosts N [--regions a,b,c] [--first K]`:
// N host agents in one process, each with the accounting runtime (`AccountingAgent`), its
// own agent server on a unix socket and its own real tunnel to the server. For
// `bench/cluster-scale.sh` only.

func option(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

guard let server = option("--server"), let token = option("--token"), let count = option("--hosts").flatMap(Int.init), count > 0 else {
    FileHandle.standardError.write(Data("usage: tarmac-scale-agents --server URL --token T --hosts N [--regions a,b] [--first K] [--socket-dir D]\n".utf8))
    exit(64)
}
let regions = (option("--regions") ?? "ams").split(separator: ",").map(String.init)
let first = option("--first").flatMap(Int.init) ?? 0
let socketDirectory = option("--socket-dir") ?? "/tmp/tarmac-scale-\(getpid())"
try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)

var logger = Logger(label: "tarmac-scale-agents")
logger.logLevel = .warning
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .warning
    return handler
}

// One pool for every tunnel: a tunnel is one request that lasts, so the pool must allow
// one connection per host to the same server.
var clientConfiguration = HTTPClient.Configuration()
clientConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: count + 16)
let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: clientConfiguration)

var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
for index in first..<(first + count) {
    let hostID = String(format: "host-%08x", index)
    let region = regions[index % regions.count]
    let agent = AccountingAgent(hostID: hostID, region: region)
    let socket = "\(socketDirectory)/\(index).sock"
    try? FileManager.default.removeItem(atPath: socket)
    let localToken = AgentToken.random()
    let application = Application(
        router: AgentRouter.make(agent: agent, token: localToken),
        configuration: .init(address: .unixDomainSocket(path: socket), serverName: "tarmac-scale-agent"),
        logger: logger)
    let registration = AgentRegistration(
        hostID: hostID, region: region, runtime: "accounting", runtimeReason: "benchmark",
        capacity: HostCapacity(cpus: 64, memoryMB: 256 * 1024, diskMB: 1 << 20), agentVersion: "bench")
    var configuration = AgentUplink.Configuration(
        serverURL: server, token: AgentToken(token), registration: registration, local: .unixSocket(path: socket), localToken: localToken)
    configuration.maximumBackoff = .seconds(5)
    services.append(.init(service: application))
    services.append(.init(service: AgentUplink(configuration: configuration, client: client, logger: logger)))
}
FileHandle.standardOutput.write(Data("started \(count) accounting agents\n".utf8))
let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
do {
    try await group.run()
} catch {
    FileHandle.standardError.write(Data("tarmac-scale-agents: \(error)\n".utf8))
}
try await client.shutdown().get()

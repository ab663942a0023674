import Foundation
import TarmacNet
import TarmacWebhooks

/// The validated settings of `tarmac dev`.
struct DevSettings: Sendable {
    var dataDirectory: String
    var apiHost: String
    var apiPort: Int
    var region: String
    var runtime: RuntimeChoice
    var subnet: IPv4CIDR
    var bridge: String
    var resourcePrefix: String
    var insecureRegistries: Set<String>
    /// Guest kernel and base initramfs of the microvm runtime (`scripts/build-guest.sh --out`).
    var guestDirectory: String
    /// Retry and disabling of webhook deliveries.
    var webhooks = WebhookDispatcher.Configuration()

    init(dataDirectory: String, apiListen: String, region: String, runtime: RuntimeChoice, subnet: String, bridge: String, resourcePrefix: String, insecureRegistries: [String] = [],
         guestDirectory: String = "/var/lib/tarmac/guest") throws {
        self.insecureRegistries = Set(insecureRegistries)
        self.guestDirectory = URL(fileURLWithPath: guestDirectory).standardizedFileURL.path
        self.dataDirectory = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
        let api = try ListenAddress(apiListen, option: "--api-listen")
        apiHost = api.host
        apiPort = api.port
        guard !region.isEmpty, region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            throw DevError("--region must be letters, digits and dashes (got \"\(region)\")")
        }
        self.region = region
        self.runtime = runtime
        guard let cidr = IPv4CIDR(subnet), cidr.prefixLength <= 28 else {
            throw DevError("--subnet must be an IPv4 CIDR of /28 or larger, e.g. 172.30.0.0/16 (got \"\(subnet)\")")
        }
        self.subnet = cidr
        guard (1...15).contains(bridge.count) else { throw DevError("--bridge must be 1-15 characters (got \"\(bridge)\")") }
        self.bridge = bridge
        guard (1...12).contains(resourcePrefix.count), resourcePrefix.allSatisfy({ $0.isLetter || $0.isNumber }) else {
            throw DevError("--resource-prefix must be 1-12 letters or digits (got \"\(resourcePrefix)\")")
        }
        self.resourcePrefix = resourcePrefix
    }

    static func defaultDataDirectory() -> String {
        if let directory = ProcessInfo.processInfo.environment["TARMAC_DATA_DIR"], !directory.isEmpty { return directory }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".tarmac").path
    }

    var agentHost: AgentHost.Settings {
        AgentHost.Settings(
            dataDirectory: dataDirectory, region: region, runtime: runtime, subnet: subnet, bridge: bridge, resourcePrefix: resourcePrefix,
            insecureRegistries: insecureRegistries, guestDirectory: guestDirectory)
    }

    var apiURL: String { ListenAddress(host: apiHost, port: apiPort).url }
    var agentSocket: String { dataDirectory + "/agent.sock" }
    var tokenFile: String { dataDirectory + "/admin-token" }
    var registryCredentialsFile: String { dataDirectory + "/registries.json" }
}

/// A start-up problem of `tarmac dev`, with what to do about it.
struct DevError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

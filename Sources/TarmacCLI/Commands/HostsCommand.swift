import ArgumentParser
import TarmacClient
import TarmacModel

/// `tarmac hosts list|show|cordon|uncordon`: the cluster's hosts.
struct HostsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts", abstract: "The cluster's host agents: capacity, reachability, cordons.",
        subcommands: [HostsListCommand.self, HostsShowCommand.self, HostsCordonCommand.self, HostsUncordonCommand.self],
        defaultSubcommand: HostsListCommand.self)

    static func table(_ hosts: [HostView]) -> String {
        let rows = hosts.map { host in
            [host.id, host.region, host.status + (host.cordoned ? ", cordoned" : ""), host.runtime, "\(host.cpus)",
             "\(host.reservedMemoryMB)/\(Int(Double(host.memoryMB) * host.memoryOvercommit)) MB", "\(host.machines)", host.lastConnectedAt]
        }
        return TableRenderer.render(headers: ["ID", "REGION", "STATUS", "RUNTIME", "CPUS", "MEMORY RESERVED", "MACHINES", "LAST CONNECTED"], rows: rows)
    }
}

struct HostsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the hosts the control plane knows.")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await client.withClient { api in
            let response = try await api.send(.listHosts())
            if client.json { return Console.printJSON(response.body) }
            let hosts = try response.decode([HostView].self)
            Console.line(hosts.isEmpty ? "No hosts yet: start one with tarmac agent --server URL --region R." : HostsCommand.table(hosts))
        }
    }
}

struct HostsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one host.")

    @Argument(help: "The host's ID (tarmac hosts list).") var id: String
    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await client.withClient { api in
            let response = try await api.send(.getHost(id))
            if client.json { return Console.printJSON(response.body) }
            Console.line(HostsCommand.table([try response.decode(HostView.self)]))
        }
    }
}

struct HostsCordonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cordon", abstract: "Place no new machines on a host (its machines keep running).")

    @Argument(help: "The host's ID.") var id: String
    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await HostsCordonCommand.set(id, cordoned: true, client: client)
    }

    static func set(_ id: String, cordoned: Bool, client: ClientOptions) async throws {
        try await client.withClient { api in
            let response = try await api.send(.cordonHost(id, cordoned: cordoned))
            if client.json { return Console.printJSON(response.body) }
            Console.line(cordoned ? "Host \(id) cordoned: it gets no new machines." : "Host \(id) uncordoned: it takes new machines again.")
        }
    }
}

struct HostsUncordonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "uncordon", abstract: "Let a cordoned host take new machines again.")

    @Argument(help: "The host's ID.") var id: String
    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await HostsCordonCommand.set(id, cordoned: false, client: client)
    }
}

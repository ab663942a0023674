import ArgumentParser
import Foundation
import TarmacClient
import TarmacModel

/// `tarmac machine list`.
struct MachineListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List an app's machines.", aliases: ["ls"])

    @Option(help: ArgumentHelp("Only machines in these states (repeatable or comma-separated).", valueName: "state"))
    var state: [String] = []

    @Option(help: "Only machines in this region.")
    var region: String?

    @Option(help: ArgumentHelp("Only machines with this metadata entry; repeatable, all must match.", valueName: "KEY=VALUE"))
    var metadata: [String] = []

    @Flag(name: [.customLong("all"), .customLong("include-deleted")], help: "Include destroyed machines.")
    var includeDeleted = false

    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func listOptions() throws -> MachineListOptions {
        var options = MachineListOptions()
        options.states = state.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
        options.region = region
        options.metadata = try ArgumentParsing.keyValues(metadata, flag: "--metadata")
        options.includeDeleted = includeDeleted
        return options
    }

    func run() async throws {
        let appName = try app.resolvedApp()
        let options = try listOptions()
        try await client.withClient { api in
            let response = try await api.send(.listMachines(app: appName, options: options))
            if client.json { return Console.printJSON(response.body) }
            let machines = try response.decode([Machine].self)
            guard !machines.isEmpty else {
                return Console.line("No machines in app \(appName). Create one with `tarmac machine run IMAGE -a \(appName)`.")
            }
            let now = Date()
            Console.line(TableRenderer.render(headers: MachineFormatting.listHeaders, rows: machines.map { MachineFormatting.listRow($0, now: now) }))
        }
    }
}

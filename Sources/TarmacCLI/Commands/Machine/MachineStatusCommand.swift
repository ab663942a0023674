import ArgumentParser
import Foundation
import TarmacClient
import TarmacModel

/// `tarmac machine status ID`: the machine and its recent events.
struct MachineStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a machine and its recent events.", aliases: ["show"])

    @Argument(help: "Machine ID.")
    var id: String

    @Option(help: "Number of recent events to show.")
    var events = 10

    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let appName = try app.resolvedApp()
        try await client.withClient { api in
            let response = try await api.send(.getMachine(app: appName, id: id))
            if client.json { return Console.printJSON(response.body) }
            let machine = try response.decode(Machine.self)
            var recent = machine.events ?? []
            if machine.events == nil {
                recent = try await api.listEvents(app: appName, id: id, limit: events)
            }
            Console.line(Self.render(machine, events: Array(recent.prefix(max(0, events))), now: Date()))
        }
    }

    static func render(_ machine: Machine, events: [MachineEvent], now: Date) -> String {
        var out = MachineFormatting.details(machine, now: now)
        if let checks = machine.checks, !checks.isEmpty {
            out += "\n\nChecks\n"
            out += TableRenderer.render(headers: ["NAME", "STATUS", "OUTPUT"], rows: checks.map { [$0.name, $0.status, $0.output] })
        }
        out += "\n\nRecent events\n"
        out += events.isEmpty ? "(none)" : TableRenderer.render(headers: EventFormatting.headers, rows: events.map(EventFormatting.row))
        return out
    }
}

import ArgumentParser
import TarmacClient
import TarmacModel

/// `tarmac machine ps ID [--sort-by KEY] [--desc]`: the processes of a started machine.
struct MachinePsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps", abstract: "List the processes running in a machine.",
        discussion: "PID is the pid inside the machine; CPU is CPU time used; LISTEN the TCP/UDP sockets a process accepts on (containers).")

    @Argument(help: "Machine ID.")
    var id: String

    @Option(name: .customLong("sort-by"), help: "pid (default), stime, rtime, command, directory, cpu or rss.")
    var sortBy: String?

    @Flag(name: .customLong("desc"), help: "Largest first.")
    var descending = false

    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func validate() throws {
        if let sortBy, ProcessStat.SortKey(rawValue: sortBy.lowercased()) == nil {
            throw ValidationError("--sort-by must be one of \(ProcessStat.SortKey.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let appName = try app.resolvedApp()
        try await client.withClient { api in
            let response = try await api.send(.listProcesses(app: appName, id: id, sortBy: sortBy, order: descending ? "desc" : nil))
            if client.json { return Console.printJSON(response.body) }
            let processes = try response.decode([ProcessStat].self)
            let rows = processes.map { process in
                [String(process.pid), TimeFormatting.compact(seconds: Double(process.cpu) / 1000),
                 TimeFormatting.compact(seconds: Double(process.rtime) / 1000), EventFormatting.megabytes(Int(process.rss)),
                 process.listenSockets.map { "\($0.proto):\($0.address)" }.joined(separator: " "), process.command]
            }
            Console.line(TableRenderer.render(headers: ["PID", "CPU", "UP", "RSS", "LISTEN", "COMMAND"], rows: rows))
        }
    }
}

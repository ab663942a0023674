import ArgumentParser
import Foundation
import TarmacClient
import TarmacModel

/// `tarmac logs -a APP [-f] [--machine ID] [--region R] [--since T] [--limit N]`.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show the logs of an app's machines.",
        discussion: """
            Shows the newest --limit lines of the app's machines (stdout and stderr of \
            containers, the console of microVMs), oldest first, merged by time. Destroyed \
            machines' logs are kept for 7 days. With --since, shows the lines from that time on \
            (an RFC 3339 time or a duration back from now: 10m, 2h).

            With -f, keeps showing new lines as the machines write them, including those of \
            machines created meanwhile, until interrupted; a dropped connection is resumed \
            without repeating lines. Each machine has a colour of its own when the output is \
            a terminal (set NO_COLOR to turn it off). With --json, each line is one JSON \
            object per line (NDJSON).
            """
    )

    @Option(name: [.short, .customLong("machine")], help: "Only this machine's lines.")
    var machineID: String?

    @Option(name: [.short, .customLong("region")], help: "Only lines of machines in this region.")
    var region: String?

    @Option(help: "Lines from this time on: RFC 3339 (2026-12-04T10:00:00Z) or a duration back from now (10m).")
    var since: String?

    @Option(name: [.short, .customLong("limit")], help: "Number of lines (1-10000).")
    var limit = 100

    @Flag(name: [.short, .customLong("follow")], help: "Keep showing new lines (Ctrl-C to stop).")
    var follow = false

    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func validate() throws {
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 10000, got \(limit)") }
    }

    func run() async throws {
        let appName = try app.resolvedApp()
        let options = LogOptions(machineID: machineID, region: region, since: since, limit: limit)
        let json = client.json
        let format = LogLineFormatting.forStandardOutput()
        let render = { @Sendable (line: LogLine) in json ? LogLineFormatting.json(line) : format.text(line) }
        try await client.withClient { api in
            guard follow else {
                let lines = try await api.logs(app: appName, options)
                if lines.isEmpty, !json { Console.error("No log lines for app \(appName)\(machineID.map { " machine \($0)" } ?? "").") }
                for line in lines { Console.line(render(line)) }
                return
            }
            try await api.followLogs(app: appName, options, onReconnect: { error in
                Console.error("log stream interrupted (\(error.message)); reconnecting…")
            }) { line in Console.flushedLine(render(line)) }
        }
    }
}

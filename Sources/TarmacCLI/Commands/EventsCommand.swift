import ArgumentParser
import TarmacClient
import TarmacModel

/// `tarmac events -a APP [MACHINE_ID] [--limit N] [-f]`: machine events, newest first, or
/// followed live.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "List machine events, newest first.",
        discussion: """
            With a machine ID, lists that machine's events. Without one, lists the events of \
            all the app's machines merged by time; with --json each event then carries a \
            `machine_id` field.

            With -f, shows the app's newest --limit events (oldest first) and then every new \
            event as it happens, from the app's live feed (Server-Sent Events), until \
            interrupted; a dropped connection is resumed from the last event shown, so none is \
            missed or repeated. With a machine ID only that machine's events are shown; with \
            --json each event is one JSON object per line.
            """
    )

    @Argument(help: "Machine ID (default: all machines of the app).")
    var machineID: String?

    @Option(name: [.short, .customLong("limit")], help: "Number of events to show (the server returns at most 50 per machine).")
    var limit = 20

    @Flag(name: [.short, .customLong("follow")], help: "Keep showing new events as they happen (Ctrl-C to stop).")
    var follow = false

    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        guard !follow || limit <= 500 else { throw ValidationError("--limit must be at most 500 with --follow") }
    }

    func run() async throws {
        let appName = try app.resolvedApp()
        try await client.withClient { api in
            if follow { return try await followEvents(app: appName, api: api) }
            if let machineID {
                let response = try await api.send(.listEvents(app: appName, id: machineID, limit: limit))
                if client.json { return Console.printJSON(response.body) }
                let events = try response.decode([MachineEvent].self)
                guard !events.isEmpty else { return Console.line("No events for machine \(machineID).") }
                return Console.line(TableRenderer.render(headers: EventFormatting.headers, rows: events.map(EventFormatting.row)))
            }
            let machines = try await api.listMachines(app: appName, options: MachineListOptions())
            var entries: [EventMerging.Entry] = []
            for machine in machines {
                entries += try await events(of: machine.id, app: appName, api: api)
            }
            let merged = EventMerging.merge(entries, limit: limit)
            if client.json { return Console.line(JSONOutput.prettyEncoding(EventMerging.json(merged)) ?? "[]") }
            guard !merged.isEmpty else { return Console.line("No events in app \(appName).") }
            Console.line(TableRenderer.render(headers: EventMerging.headers, rows: merged.map(EventMerging.row)))
        }
    }

    /// The newest events, then the live feed after the last of them.
    func followEvents(app: String, api: TarmacClient) async throws {
        let json = client.json
        let machineID = machineID
        let show = { @Sendable (event: AppEvent) in
            guard machineID == nil || event.machineID == machineID else { return }
            Console.flushedLine(json ? AppEventLines.json(event) : AppEventLines.text(event))
        }
        let recent = try await api.recentAppEvents(app: app, limit: limit)
        if !json { Console.flushedLine(AppEventLines.header) }
        recent.forEach(show)
        try await api.followAppEvents(app: app, after: recent.last?.sequence ?? 0, onReconnect: { error in
            Console.error("event feed interrupted (\(error.message)); reconnecting…")
        }) { event in show(event) }
    }

    /// One machine's events; a machine destroyed meanwhile (404) contributes none.
    func events(of id: String, app: String, api: TarmacClient) async throws -> [EventMerging.Entry] {
        let response: APIResponse
        do {
            response = try await api.send(.listEvents(app: app, id: id, limit: limit))
        } catch let error as ClientError where error.isNotFound {
            return []
        }
        return EventMerging.entries(
            machineID: id, events: try response.decode([MachineEvent].self), raw: try response.decode([JSONValue].self))
    }
}

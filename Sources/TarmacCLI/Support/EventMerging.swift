import TarmacModel

/// Merges the event lists of several machines into one list, newest first.
enum EventMerging {
    struct Entry: Equatable {
        var machineID: String
        var event: MachineEvent
        /// The event as the server sent it, for `--json`.
        var raw: JSONValue
    }

    /// Newest first by timestamp, ties broken by event ID (ULIDs sort by time) then machine ID;
    /// at most `limit` entries.
    static func merge(_ entries: [Entry], limit: Int) -> [Entry] {
        let sorted = entries.sorted { lhs, rhs in
            if lhs.event.timestamp != rhs.event.timestamp { return lhs.event.timestamp > rhs.event.timestamp }
            if lhs.event.id != rhs.event.id { return lhs.event.id > rhs.event.id }
            return lhs.machineID < rhs.machineID
        }
        return Array(sorted.prefix(max(0, limit)))
    }

    /// Pairs a machine's typed events with the raw JSON objects of the same answer.
    static func entries(machineID: String, events: [MachineEvent], raw: [JSONValue]) -> [Entry] {
        zip(events, raw).map { Entry(machineID: machineID, event: $0, raw: $1) }
    }

    /// The merged list as JSON: each server event object with `machine_id` added.
    static func json(_ entries: [Entry]) -> JSONValue {
        .array(entries.map { entry in
            guard case .object(var object) = entry.raw else { return entry.raw }
            object["machine_id"] = .string(entry.machineID)
            return .object(object)
        })
    }

    static let headers = ["TIME", "MACHINE", "TYPE", "STATUS", "SOURCE", "DETAILS"]

    static func row(_ entry: Entry) -> [String] {
        let event = entry.event
        return [TimeFormatting.eventTime(event.timestamp), entry.machineID, event.type, event.status, event.source, EventFormatting.detail(event)]
    }
}

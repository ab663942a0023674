import Foundation
import TarmacModel

/// `tarmac events -f` output: one line per event as it arrives, in fixed-width columns
/// (a table cannot be re-laid-out while it grows), or one JSON object per line with --json.
enum AppEventLines {
    static let widths = [24, 14, 10, 10, 8]

    static var header: String {
        line(["TIME", "MACHINE", "TYPE", "STATUS", "SOURCE", "DETAILS"])
    }

    static func text(_ event: AppEvent) -> String {
        let machine = event.event
        return line([TimeFormatting.eventTime(machine.timestamp), event.machineID, machine.type, machine.status, machine.source,
                     EventFormatting.detail(machine)])
    }

    static func json(_ event: AppEvent) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    private static func line(_ columns: [String]) -> String {
        var text = ""
        for (index, column) in columns.enumerated() {
            guard index < widths.count else {
                text += column
                break
            }
            text += column.padding(toLength: max(widths[index], column.count + 1), withPad: " ", startingAt: 0)
        }
        return text.trimmingCharacters(in: .whitespaces)
    }
}

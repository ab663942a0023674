import Foundation
import ArgumentParser
import TarmacClient
import TarmacModel

/// `tarmac machine wait ID [--state started] [--timeout 60s]`.
struct MachineWaitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait", abstract: "Wait until a machine reaches a state.",
        discussion: "Exits 0 when the state is reached and 2 when the timeout passes first.")

    @Argument(help: "Machine ID.")
    var id: String

    @Option(help: ArgumentHelp("Target state: started, stopped, suspended, destroyed, failed or settled (repeatable or comma-separated; any of them).", valueName: "state"))
    var state: [String] = ["started"]

    @Option(help: ArgumentHelp("How long to wait (e.g. 30s, 5m; longer than 60s is done in several polls).", valueName: "duration"))
    var timeout = "60s"

    @Option(help: ArgumentHelp("Only count this machine version (instance ID).", valueName: "version"))
    var version: String?

    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    static let knownStates: Set<String> = ["started", "stopped", "suspended", "destroyed", "failed", "settled"]

    func validate() throws {
        _ = try states()
        let duration = try ArgumentParsing.duration(timeout, flag: "--timeout")
        guard duration.nanoseconds >= 1_000_000_000 else { throw ValidationError("--timeout must be at least 1s") }
    }

    func states() throws -> [String] {
        let states = state.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces).lowercased() } }.filter { !$0.isEmpty }
        guard !states.isEmpty else { throw ValidationError("--state is empty") }
        for value in states where !Self.knownStates.contains(value) {
            throw ValidationError("unknown state \"\(value)\": use started, stopped, suspended, destroyed, failed or settled")
        }
        return states
    }

    func run() async throws {
        let appName = try app.resolvedApp()
        let states = try states()
        let duration = try ArgumentParsing.duration(timeout, flag: "--timeout").duration
        try await client.withClient { api in
            let outcome = try await MachineWaiter(client: api, app: appName).wait(
                id: id, states: states, timeout: duration, version: version,
                message: "waiting for machine \(id) to reach \(states.joined(separator: " or "))")
            if client.json { return Console.printJSON(outcome.raw.body) }
            Console.line("Machine \(id) is \(outcome.state).")
        }
    }
}

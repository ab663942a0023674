import ArgumentParser
import TarmacModel

/// `--detach` and `--wait-timeout` of commands that wait for a state afterwards.
struct WaitFlags: ParsableArguments {
    @Flag(help: "Return once the server accepted the request; do not wait for the new state.")
    var detach = false

    @Option(help: ArgumentHelp("How long to wait for the new state (e.g. 60s, 5m).", valueName: "duration"))
    var waitTimeout = "2m"

    func validate() throws {
        _ = try ArgumentParsing.duration(waitTimeout, flag: "--wait-timeout")
    }

    func timeout() throws -> Duration {
        try ArgumentParsing.duration(waitTimeout, flag: "--wait-timeout").duration
    }
}

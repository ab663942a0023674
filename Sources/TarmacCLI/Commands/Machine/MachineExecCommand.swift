import ArgumentParser
import Foundation
import TarmacClient
import TarmacModel

/// `tarmac machine exec ID [--timeout S] [--stdin-file F | -i] [--json] -- CMD ARGS…`.
///
/// Prints the command's stdout and stderr to the matching streams and exits with its exit
/// status (128 + N when a signal N killed it, 124 when it ran past `--timeout`), so it can
/// stand in for the command in scripts.
struct MachineExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command inside a started machine.",
        usage: "tarmac machine exec <id> [--timeout <duration>] [--stdin-file <file> | -i] [-a <app>] [--json] -- <command> [<argument> ...]",
        discussion: """
            The command comes after `--` and is passed as is (no shell): use `-- sh -c '…'` for pipes \
            and variables. Exits with the command's exit status, 128+N when signal N killed it, and \
            124 when it ran past --timeout and was killed.
            """)

    /// Exit status when the command was killed at its timeout (as `timeout(1)` uses).
    static let timedOutStatus: Int32 = 124

    @Argument(help: "Machine ID.")
    var id: String

    @Argument(parsing: .postTerminator, help: ArgumentHelp("Command and arguments, after `--`.", valueName: "command"))
    var command: [String] = []

    @Option(help: ArgumentHelp("Kill the command after this long: seconds or a duration such as 90s or 5m (1s–1h; default 30s).", valueName: "duration"))
    var timeout: String?

    @Option(help: ArgumentHelp("Send this file to the command's standard input (`-` reads this command's own standard input).", valueName: "file"))
    var stdinFile: String?

    @Flag(name: [.customShort("i"), .customLong("stdin")], help: "Send this command's standard input to the command (same as --stdin-file -).")
    var readStdin = false

    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func validate() throws {
        guard !command.isEmpty else {
            throw ValidationError("give the command after `--`, e.g. tarmac machine exec \(id) -- ls -l /")
        }
        if readStdin, stdinFile != nil { throw ValidationError("use either --stdin or --stdin-file, not both") }
        _ = try timeoutSeconds()
    }

    /// `--timeout` in whole seconds (rounded up), nil when not given.
    func timeoutSeconds() throws -> Int? {
        guard let timeout else { return nil }
        let duration = try ArgumentParsing.duration(timeout, flag: "--timeout")
        let seconds = Int((duration.seconds).rounded(.up))
        guard (1...3600).contains(seconds) else {
            throw ValidationError("invalid --timeout \"\(timeout)\": must be between 1s and 1h")
        }
        return seconds
    }

    func input() throws -> String? {
        let source = readStdin ? "-" : stdinFile
        guard let source else { return nil }
        let data: Data
        if source == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: source) else {
                throw CLIError(message: "cannot read --stdin-file \(source)", exitCode: CLIError.usage)
            }
            data = contents
        }
        return String(decoding: data, as: UTF8.self)
    }

    func run() async throws {
        let appName = try app.resolvedApp()
        let seconds = try timeoutSeconds()
        let stdin: String?
        do {
            stdin = try input()
        } catch let error as CLIError {
            throw error.report()
        }
        var status: Int32 = 0
        try await client.withClient { api in
            let request = MachineExecRequest(command: command, stdin: stdin, timeout: seconds)
            let response = try await api.send(.execMachine(app: appName, id: id, request))
            let result = try response.decode(MachineExecResponse.self)
            if client.json {
                Console.printJSON(response.body)
            } else {
                FileHandle.standardOutput.write(Data(result.stdout.utf8))
                Console.writeError(result.stderr)
                if result.timedOut == true {
                    Console.error("Error: the command ran longer than \(seconds ?? 30)s and was killed")
                }
            }
            status = result.timedOut == true ? Self.timedOutStatus : Int32(truncatingIfNeeded: result.shellStatus)
        }
        if status != 0 { throw ExitCode(status) }
    }
}

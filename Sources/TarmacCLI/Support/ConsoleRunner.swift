import ArgumentParser
import Foundation
import TarmacClient
import TarmacModel
import UnixSignals
#if canImport(Glibc)
import Glibc
#endif

/// What `tarmac machine console` and `tarmac ssh console` share: the options, checking the
/// machine, the terminal in raw mode, keystrokes and window changes out, output in, and the
/// remote program's exit status as this command's.
struct ConsoleOptionGroup: ParsableArguments {
    @Option(name: [.customShort("C"), .customLong("command")], help: "Command to run instead of a shell (split like a shell does).")
    var command: String?

    @Option(name: [.short, .customLong("user")], help: "User to run as (a name or uid[:gid]; default root).")
    var user: String?

    @Option(help: "Terminal type for TERM (default: yours, else xterm-256color).")
    var term: String?
}

enum ConsoleRunner {
    /// Opens the session on `machineID` and runs it to its end; throws `ExitCode` with the
    /// remote status when it is not 0.
    static func run(app: String, machineID: String, options: ConsoleOptionGroup, client: ClientOptions) async throws {
        let configuration = client.configuration()
        try await client.withClient { api in
            let machine = try await api.getMachine(app: app, id: machineID)
            guard machine.state == "started" else {
                throw CLIError(message: "machine \(machineID) is \(machine.state): a console needs a started machine",
                               hint: "start it with `tarmac machine start \(machineID) -a \(app)`")
            }
        }
        let size = RawTerminal.windowSize()
        let term = options.term ?? ProcessInfo.processInfo.environment["TERM"].flatMap { $0.isEmpty || $0 == "dumb" ? nil : $0 }
        let url = ConsoleConnection.url(
            baseURL: configuration.baseURL, app: app, id: machineID, command: options.command, user: options.user,
            rows: size.rows, columns: size.columns, term: term)
        let (input, keyboard) = AsyncStream.makeStream(of: ConsoleConnection.Input.self)
        let terminal = RawTerminal.enter()
        defer { terminal.restore() }
        let exit: ConsoleConnection.Exit
        do {
            exit = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await chunk in StandardInputReader.chunks() { keyboard.yield(.bytes(chunk)) }
                    keyboard.yield(.endOfInput)
                }
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sigwinch) {
                        let size = RawTerminal.windowSize()
                        keyboard.yield(.resize(rows: size.rows, columns: size.columns))
                    }
                }
                defer { group.cancelAll() }
                return try await ConsoleConnection.run(url: url, token: configuration.token, input: input) { bytes in
                    FileHandle.standardOutput.write(Data(bytes))
                }
            }
        } catch let error as CLIError {
            terminal.restore()
            throw error.report()
        }
        terminal.restore()
        if client.json {
            Console.line(#"{"exit_code":\#(exit.code),"machine_id":"\#(machineID)","signal":\#(exit.signal)}"#)
        }
        if exit.status != 0 { throw ExitCode(exit.status) }
    }
}

/// Standard input as chunks, read on a thread of its own (a blocking read); ends at EOF.
enum StandardInputReader {
    static func chunks() -> AsyncStream<[UInt8]> {
        let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 16 << 10)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if count > 0 {
                    continuation.yield(Array(buffer.prefix(count)))
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            continuation.finish()
        }
        thread.name = "tarmac-stdin"
        thread.start()
        return stream
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TarmacSystem
import Testing

@Suite("Command: running programs on swift-subprocess")
struct CommandTests {
    @Test("1 MiB on stderr then 1 MiB on stdout completes: both pipes drain while it runs")
    func largeOutputOnBothStreams() async throws {
        let start = ContinuousClock.now
        let result = try await Command.run("sh", ["-c", "head -c 1048576 /dev/zero | tr '\\0' e >&2; head -c 1048576 /dev/zero | tr '\\0' o"])
        let elapsed = ContinuousClock.now - start
        print("CommandTests: 2 MiB of output collected in \(elapsed)")
        #expect(result.succeeded)
        #expect(result.stdout.utf8.count == 1 << 20)
        #expect(result.stderr.utf8.count == 1 << 20)
        #expect(result.stdout.utf8.allSatisfy { $0 == UInt8(ascii: "o") })
        #expect(result.stderr.utf8.allSatisfy { $0 == UInt8(ascii: "e") })
        #expect(!result.stdoutTruncated && !result.stderrTruncated)
        #expect(elapsed < .seconds(20))
    }

    @Test("a non-zero exit is a result, not an error")
    func nonZeroExitIsAResult() async throws {
        let result = try await Command.run("sh", ["-c", "echo partial; exit 3"])
        #expect(result.status == 3)
        #expect(!result.succeeded)
        #expect(result.stdout == "partial\n")
        #expect(result.executable == "sh")
        #expect(result.arguments == ["-c", "echo partial; exit 3"])
    }

    @Test("a program ended by a signal reports 128 + the signal")
    func signalledStatus() async throws {
        let result = try await Command.run("sh", ["-c", "kill -9 $$"])
        #expect(result.status == 128 + SIGKILL)
    }

    @Test("checked() names the program, its arguments, status and stderr")
    func checkedErrorText() async throws {
        let result = try await Command.run("sh", ["-c", "echo to-stdout; echo boom >&2; exit 2"])
        let error = #expect(throws: CommandError.self) { try result.checked() }
        let text = error?.description ?? ""
        #expect(text.contains("sh -c"))
        #expect(text.contains("exit 2"))
        // stderr is shown when there is any; stdout only when stderr is empty.
        #expect(text.hasSuffix("failed (exit 2): boom"))

        let viaStatic = await #expect(throws: CommandError.self) {
            try await Command.checked("sh", ["-c", "echo only-stdout; exit 4"])
        }
        #expect(viaStatic?.description.contains("only-stdout") == true)
    }

    @Test("input is delivered on stdin and stdin is closed after it")
    func stdinDelivered() async throws {
        let small = try await Command.run("cat", [], input: Data("hello\nworld\n".utf8))
        #expect(small.stdout == "hello\nworld\n")

        // 1 MiB in and 1 MiB out at once: writing and reading must overlap.
        let big = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        let echoed = try await Command.run("cat", [], input: big)
        #expect(echoed.stdout.utf8.count == 1 << 20)

        let none = try await Command.run("wc", ["-c"])
        #expect(none.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test("input the program never reads fails quietly instead of killing this process")
    func unreadInput() async throws {
        let result = try await Command.run("true", [], input: Data(repeating: 0, count: 4 << 20))
        #expect(result.succeeded)
    }

    @Test("environment replaces the inherited one; working directory is applied")
    func environmentAndWorkingDirectory() async throws {
        let directory = try TemporaryDirectory()
        let result = try await Command.run(
            "/bin/sh", ["-c", "echo \"$TARMAC_TEST\"; echo \"${HOME:-unset}\"; pwd"],
            environment: ["TARMAC_TEST": "value with spaces"], workingDirectory: directory.path
        )
        #expect(result.stdout == "value with spaces\nunset\n\(directory.path)\n")
    }

    @Test("a missing program is a CommandError naming it")
    func missingProgram() async throws {
        let error = await #expect(throws: CommandError.self) {
            try await Command.run("tarmac-no-such-program", ["x"])
        }
        #expect(error?.description.contains("tarmac-no-such-program") == true)
        #expect(!Command.exists("tarmac-no-such-program"))
        #expect(Command.exists("sh"))

        let unstartable = await #expect(throws: CommandError.self) {
            try await Command.run("/etc/hostname", [])
        }
        #expect(unstartable?.description.contains("/etc/hostname") == true)
    }

    @Test("output past the limit is dropped while the program runs on to the end")
    func outputLimit() async throws {
        let result = try await Command.run(
            "sh", ["-c", "head -c 1048576 /dev/zero | tr '\\0' o; head -c 300000 /dev/zero | tr '\\0' e >&2; echo done >&2"],
            outputLimit: 1000
        )
        #expect(result.succeeded)
        #expect(result.stdout.utf8.count == 1000)
        #expect(result.stderr.utf8.count == 1000)
        #expect(result.stdoutTruncated && result.stderrTruncated)

        let exact = try await Command.run("printf", ["12345"], outputLimit: 5)
        #expect(exact.stdout == "12345")
        #expect(!exact.stdoutTruncated)
    }

    @Test("cancelling the caller ends `sleep 30` quickly, reaped, and throws CancellationError")
    func cancellationEndsTheProgram() async throws {
        let directory = try TemporaryDirectory()
        let pidFile = directory.path + "/pid"
        let (error, elapsed, pid) = try await runCancelled(
            "sh", ["-c", "echo $$ > \(pidFile); exec sleep 30"], pidFile: pidFile, grace: .seconds(20)
        )
        print("CommandTests: sleep 30 ended \(elapsed) after cancellation")
        #expect(error is CancellationError)
        // Well under the grace: SIGTERM alone ended it. (Generous, for parallel test load.)
        #expect(elapsed < .seconds(10))
        #expect(await isGone(pid))
    }

    @Test("a program ignoring SIGTERM, and what it started, get SIGKILL after the grace")
    func cancellationEscalatesToKill() async throws {
        let directory = try TemporaryDirectory()
        let pidFile = directory.path + "/pid"
        let childFile = directory.path + "/child"
        let script = "trap '' TERM; sleep 30 & echo $! > \(childFile); echo $$ > \(pidFile); wait; wait; wait"
        let (error, elapsed, pid) = try await runCancelled("sh", ["-c", script], pidFile: pidFile, grace: .milliseconds(300))
        print("CommandTests: TERM-ignoring program killed \(elapsed) after cancellation")
        #expect(error is CancellationError)
        #expect(elapsed >= .milliseconds(250))
        #expect(elapsed < .seconds(10))
        #expect(await isGone(pid))
        let child = try #require(Int32(try String(contentsOfFile: childFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await isGone(child))
    }

    @Test("an already cancelled caller starts nothing")
    func alreadyCancelled() async throws {
        let error: (any Error)? = await withTaskGroup(of: (any Error)?.self) { group in
            group.cancelAll()
            group.addTask {
                do {
                    _ = try await Command.run("true", [])
                    return nil
                } catch {
                    return error
                }
            }
            return await group.next() ?? nil
        }
        #expect(error is CancellationError)
    }

    @Test("stream hands stdout over as it arrives and collects stderr")
    func streamsStdout() async throws {
        var total = 0
        var chunks = 0
        let result = try await Command.stream("sh", ["-c", "head -c 5000000 /dev/zero; echo note >&2"]) { chunk in
            total += chunk.count
            chunks += 1
        }
        #expect(result.succeeded)
        #expect(total == 5_000_000)
        #expect(chunks > 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "note\n")
    }

    @Test("a consumer that throws ends the streaming program and its error comes back")
    func streamConsumerFailure() async throws {
        struct Full: Error {}
        let directory = try TemporaryDirectory()
        let pidFile = directory.path + "/pid"
        let start = ContinuousClock.now
        await #expect(throws: Full.self) {
            try await Command.stream("sh", ["-c", "echo $$ > \(pidFile); exec yes"], terminationGrace: .seconds(20)) { _ in throw Full() }
        }
        let elapsed = ContinuousClock.now - start
        print("CommandTests: streaming program ended \(elapsed) after its consumer failed")
        #expect(elapsed < .seconds(10))
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await isGone(pid))
    }

    // MARK: helpers

    /// Runs the program in a child task, cancels it once `pidFile` names its pid, and returns
    /// what the call threw, how long the call took after the cancellation, and the pid.
    private func runCancelled(
        _ program: String, _ arguments: [String], pidFile: String, grace: Duration
    ) async throws -> (error: (any Error)?, elapsed: Duration, pid: Int32) {
        try await withThrowingTaskGroup(of: (any Error)?.self) { group in
            group.addTask {
                do {
                    _ = try await Command.run(program, arguments, terminationGrace: grace)
                    return nil
                } catch {
                    return error
                }
            }
            let pid = try await Self.waitForPid(in: pidFile)
            #expect(kill(pid, 0) == 0)
            let cancelled = ContinuousClock.now
            group.cancelAll()
            let error = try await group.next() ?? nil
            return (error, ContinuousClock.now - cancelled, pid)
        }
    }

    private static func waitForPid(in path: String) async throws -> Int32 {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return pid
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw CommandTestError(description: "no pid in \(path) after 10 s")
    }

    /// Whether `pid` no longer runs: gone, or a zombie waiting for a reaper that is not us.
    private func isGone(_ pid: Int32) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if kill(pid, 0) != 0 && errno == ESRCH { return true }
            if Processes.state(of: pid) == "Z" { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}

struct CommandTestError: Error, CustomStringConvertible {
    var description: String
}

/// A directory under the system's temporary directory, removed when the value is released.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-command-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

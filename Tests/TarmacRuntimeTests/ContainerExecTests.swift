import Foundation
import TarmacModel
import TarmacSystem
import Testing
@testable import TarmacRuntime

/// `exec` against real runc: part of the serialized container suite.
extension RuntimeDriverSuites.ContainerDriverTests {
    /// Runs `body` with a started container whose main process sleeps.
    static func withSleeper(_ body: (ContainerFixture, RuntimeHandle) async throws -> Void) async throws {
        let fixture = try ContainerFixture()
        defer { fixture.removeBase() }
        let handle = try await fixture.driver.start(fixture.spec(["sleep", "1000"]))
        do {
            try await body(fixture, handle)
        } catch {
            try? await fixture.driver.signal(handle, SIGKILL)
            _ = try? await fixture.wait(handle)
            try? await fixture.driver.cleanup(handle)
            throw error
        }
        try await fixture.driver.signal(handle, SIGKILL)
        _ = try await fixture.wait(handle)
        try await fixture.driver.cleanup(handle)
    }

    @Test func execStdinExitCodeAndUser() async throws {
        try await Self.withSleeper { fixture, handle in
            let echoed = try await fixture.driver.exec(handle, ExecRequest(command: ["cat"], stdin: Array("hello\nworld".utf8)))
            #expect(echoed.stdout == "hello\nworld")
            #expect(echoed.exitCode == 0 && echoed.exitSignal == 0 && !echoed.timedOut)

            let counted = try await fixture.driver.exec(handle, ExecRequest(command: ["sh", "-c", "wc -c"], stdin: [UInt8](repeating: 0x41, count: 300_000)))
            #expect(counted.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "300000", "\(counted)")

            let noInput = try await fixture.driver.exec(handle, ExecRequest(command: ["cat"]))
            #expect(noInput.stdout.isEmpty && noInput.exitCode == 0)

            let failing = try await fixture.driver.exec(handle, ExecRequest(command: ["sh", "-c", "echo out; echo err >&2; exit 3"]))
            #expect(failing.exitCode == 3 && failing.exitSignal == 0)
            #expect(failing.stdout == "out\n" && failing.stderr == "err\n")

            let user = try await fixture.driver.exec(handle, ExecRequest(command: ["id", "-u"]))
            #expect(user.stdout == "0\n")
            let other = try await fixture.driver.exec(handle, ExecRequest(command: ["id", "-u"], user: "1000:1000"))
            #expect(other.stdout == "1000\n")

            let environment = try await fixture.driver.exec(
                handle, ExecRequest(command: ["sh", "-c", "echo $GREETING; pwd"], environment: ["GREETING=hi"], workingDirectory: "/tmp"))
            #expect(environment.stdout == "hi\n/tmp\n")

            // runc's own failure (here: no such program) is its status 255 with its message.
            let missing = try await fixture.driver.exec(handle, ExecRequest(command: ["/no/such/program"]))
            #expect(missing.exitCode == 255 && missing.exitSignal == 0)
            #expect(!missing.stderr.isEmpty)
        }
    }

    @Test func execKilledBySignal() async throws {
        try await Self.withSleeper { fixture, handle in
            let result = try await fixture.driver.exec(handle, ExecRequest(command: ["sh", "-c", "echo before; kill -TERM $$; echo after"]))
            #expect(result.exitSignal == Int(SIGTERM))
            #expect(result.exitCode == 128 + Int(SIGTERM))
            #expect(result.stdout == "before\n")
            #expect(!result.timedOut)
        }
    }

    @Test func execTimeoutKillsTheCommand() async throws {
        try await Self.withSleeper { fixture, handle in
            let started = ContinuousClock.now
            let result = try await fixture.driver.exec(handle, ExecRequest(command: ["sh", "-c", "echo started; exec sleep 31"], timeout: .seconds(1)))
            let elapsed = ContinuousClock.now - started
            #expect(result.timedOut)
            #expect(result.exitSignal == Int(SIGKILL))
            #expect(result.exitCode == 128 + Int(SIGKILL))
            #expect(result.stdout == "started\n")
            #expect(elapsed < .seconds(8), "took \(elapsed)")
            // (The test image has few applet links; busybox sh finds the others itself.)
            let processes = try await fixture.driver.exec(handle, ExecRequest(command: ["sh", "-c", "ps"]))
            #expect(processes.stdout.contains("sleep 1000"), "\(processes)")
            #expect(!processes.stdout.contains("sleep 31"), "\(processes.stdout)")
            // The machine itself is untouched.
            #expect(await fixture.driver.status(handle) == .running)
        }
    }

    @Test func execWithABackgroundChildHoldingTheOutputEndsByTheTimeout() async throws {
        try await Self.withSleeper { fixture, handle in
            let started = ContinuousClock.now
            let result = try await fixture.driver.exec(handle, ExecRequest(command: ["sh", "-c", "sleep 20 & echo started"], timeout: .seconds(2)))
            let elapsed = ContinuousClock.now - started
            #expect(result.stdout == "started\n")
            #expect(elapsed < .seconds(10), "took \(elapsed)")
            // runc waits for the child's copy of the output, so the exec ends at its timeout.
            #expect(result.timedOut)
        }
    }

    @Test func execOutputIsBounded() async throws {
        try await Self.withSleeper { fixture, handle in
            let result = try await fixture.driver.exec(
                handle, ExecRequest(command: ["sh", "-c", "head -c 2000000 /dev/zero | tr '\\0' a; echo done >&2"]))
            #expect(result.exitCode == 0)
            #expect(result.stdout.hasPrefix(String(repeating: "a", count: 1000)))
            #expect(result.stdout.utf8.count < (1 << 20) + 200)
            #expect(result.stdout.hasSuffix("[tarmac: output truncated: \(2_000_000 - (1 << 20)) more bytes after the first \(1 << 20)]\n"))
            #expect(result.stderr == "done\n")
        }
    }

    @Test func execOnAStoppedMachineIsRefused() async throws {
        let fixture = try ContainerFixture()
        defer { fixture.removeBase() }
        let handle = try await fixture.driver.start(fixture.spec(["true"]))
        _ = try await fixture.wait(handle)
        try await fixture.driver.cleanup(handle)
        await #expect(throws: RuntimeError.self) { try await fixture.driver.exec(handle, ExecRequest(command: ["true"])) }
    }
}

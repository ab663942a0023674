import Foundation
import Testing
import TarmacGuestProtocol
@testable import TarmacRuntime

@Suite struct GuestChannelTests {
    private static func socketPath(_ name: String) -> String {
        "/tmp/tarmac-gc-\(getpid())-\(name).sock"
    }

    private static let standard: FakeGuest.Responder = { message in
        switch message {
        case .exec(let id, let request):
            let delay: Duration = request.args.first == "slow" ? .seconds(10) : .zero
            return (delay, .execResult(id: id, GuestExecResult(exitCode: 3, signal: 0, stdout: Array(request.args.joined(separator: " ").utf8), stderr: [], timedOut: false)))
        case .signal(let id, let signal):
            return (.zero, signal == 0 ? .failure(id: id, message: "the main process is not running") : .ok(id: id))
        case .listProcesses(let id):
            return (.zero, .processes(id: id, [GuestProcess(pid: 1, command: "/init", directory: "/", rssBytes: 1, startTicks: 2, cpuTicks: 3)]))
        case .status(let id):
            return (.zero, .mainStatus(id: id, running: true, pid: 42, exit: nil))
        case .poweroff(let id):
            return (.zero, .ok(id: id))
        default:
            return nil
        }
    }

    @Test func connectWaitsForTheSocketAndSpeaksEveryRequest() async throws {
        let path = Self.socketPath("basic")
        unlink(path)
        async let channelResult = GuestChannel.connect(socketPath: path, timeout: .seconds(10))
        try await Task.sleep(for: .milliseconds(300))
        let guest = try FakeGuest(path: path, respond: Self.standard)
        defer { guest.stop() }
        let channel = try await channelResult
        #expect(channel.mainPID == 42)
        let result = try await channel.exec(GuestExecRequest(args: ["echo", "hi"]))
        #expect(result.exitCode == 3 && String(decoding: result.stdout, as: UTF8.self) == "echo hi")
        try await channel.signal(15)
        await #expect(throws: RuntimeError.self) { try await channel.signal(0) }
        #expect(try await channel.processes().map(\.pid) == [1])
        let status = try await channel.status()
        #expect(status.running && status.pid == 42 && status.exit == nil)
        try await channel.poweroff()
        await channel.close()
    }

    @Test func aSlowExecDoesNotHoldUpASignal() async throws {
        let path = Self.socketPath("concurrent")
        let guest = try FakeGuest(path: path, respond: Self.standard)
        defer { guest.stop() }
        try await withGuestChannel(socketPath: path, timeout: .seconds(5)) { channel in
            let clock = ContinuousClock()
            let start = clock.now
            async let slow = channel.exec(GuestExecRequest(args: ["slow"]))
            try await Task.sleep(for: .milliseconds(50))
            try await channel.signal(15)
            let signalled = clock.now - start
            // The exec's answer takes 10 s; a signal queued behind it would take as long.
            #expect(signalled < .seconds(5))
            let slowResult = try await slow
            #expect(slowResult.stdout == Array("slow".utf8))
        }
    }

    @Test func staleBytesBeforeTheGuestsHelloAreSkipped() async throws {
        let path = Self.socketPath("stale")
        // A torn frame from an earlier session, then an answer nobody asked for.
        let prelude: [UInt8] = [0, 0, 0x10, 0, 1, 2, 3] + GuestMessage.ok(id: 1).framed()
        let guest = try FakeGuest(path: path, prelude: prelude, respond: Self.standard)
        defer { guest.stop() }
        try await withGuestChannel(socketPath: path, timeout: .seconds(5)) { channel in
            #expect(channel.mainPID == 42)
            let status = try await channel.status()
            #expect(status.running)
        }
        // Reconnect: a second session on the same socket works too.
        try await withGuestChannel(socketPath: path, timeout: .seconds(5)) { channel in
            let status = try await channel.status()
            #expect(status.pid == 42)
        }
        #expect(guest.received.filter { if case .hello = $0 { true } else { false } }.count == 2)
    }

    @Test func pendingRequestsFailWhenTheChannelEnds() async throws {
        let path = Self.socketPath("ends")
        let guest = try FakeGuest(path: path) { _ in nil }
        defer { guest.stop() }
        let channel = try await GuestChannel.connect(socketPath: path, timeout: .seconds(5))
        let status = Task { try await channel.status() }
        try await Task.sleep(for: .milliseconds(100))
        guest.send(GuestMessage.exited(GuestExit(exitCode: 7, signal: 0, oomKilled: false)).framed())
        #expect(try await channel.waitForExit().exitCode == 7)
        guest.disconnect()
        await #expect(throws: RuntimeError.self) { try await status.value }
        await #expect(throws: RuntimeError.self) { try await channel.exec(GuestExecRequest(args: ["x"])) }
        await channel.close()
    }

    @Test func connectGivesUpAtTheDeadline() async throws {
        let path = Self.socketPath("nobody")
        unlink(path)
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: RuntimeError.self) { try await GuestChannel.connect(socketPath: path, timeout: .milliseconds(300)) }
        // Generous bound for a loaded CI host (parallel tests on 2 cores): the point is that
        // it gives up, not how fast.
        #expect(clock.now - start < .seconds(30))
    }

    @Test func cancellingARequestReturnsPromptly() async throws {
        let path = Self.socketPath("cancel")
        let guest = try FakeGuest(path: path) { _ in nil }
        defer { guest.stop() }
        try await withGuestChannel(socketPath: path, timeout: .seconds(5)) { channel in
            let task = Task { try await channel.status() }
            try await Task.sleep(for: .milliseconds(100))
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
        }
    }

    @Test func exitReportTakesTheLastCompleteReport() {
        let first = GuestExit(exitCode: 1, signal: 0, oomKilled: false)
        let second = GuestExit(exitCode: 0, signal: 9, oomKilled: true, error: nil)
        let bytes = [1, 2, 3] + GuestMessage.exited(first).syncFramed() + GuestMessage.exited(second).syncFramed()
            + Array(GuestMessage.exited(first).syncFramed().prefix(10))
        #expect(ExitReport.decode(bytes) == second)
        #expect(ExitReport.decode([]) == nil)
        #expect(ExitReport.read(path: "/nonexistent/exit") == nil)
    }
}

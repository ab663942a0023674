import Foundation
import Testing
@testable import TarmacRuntime

/// `QMPClient` on SwiftNIO against a scripted QMP socket: greeting and capabilities,
/// answers in order with events skipped, refusals, silence and a closed connection.
@Suite struct QMPClientTests {
    private static func socketPath(_ name: String) -> String {
        "/tmp/tarmac-qmp-\(getpid())-\(name).sock"
    }

    private static let capabilities = #"{"return": {}}"#

    @Test func negotiatesThenAnswersInOrderSkippingEvents() async throws {
        let qemu = try FakeQMP(path: Self.socketPath("ok")) { name in
            switch name {
            case "qmp_capabilities": .lines([Self.capabilities])
            case "query-status": .lines([#"{"event": "STOP", "timestamp": {}}"#, #"{"return": {"status": "paused", "running": false}}"#])
            default: .lines([#"{"return": {}}"#])
            }
        }
        defer { qemu.stop() }
        let qmp = try await QMPClient.connect(path: qemu.path, timeout: .seconds(5))
        defer { qmp.close() }
        #expect(try await qmp.status() == "paused")
        try await qmp.execute("cont")
        #expect(qemu.received == ["qmp_capabilities", "query-status", "cont"])
    }

    @Test func aRefusalIsThrownWithQEMUsReason() async throws {
        let qemu = try FakeQMP(path: Self.socketPath("refuse")) { name in
            name == "qmp_capabilities" ? .lines([Self.capabilities])
                : .lines([#"{"error": {"class": "GenericError", "desc": "migration is disabled"}}"#])
        }
        defer { qemu.stop() }
        let qmp = try await QMPClient.connect(path: qemu.path, timeout: .seconds(5))
        defer { qmp.close() }
        let error = await #expect(throws: RuntimeError.self) { try await qmp.execute("migrate") }
        #expect(error?.code == .internalError)
        #expect(error?.message == "QEMU refused migrate: GenericError: migration is disabled")
    }

    @Test func aSilentQEMUTimesOutInsteadOfHanging() async throws {
        let qemu = try FakeQMP(path: Self.socketPath("silent")) { name in
            name == "qmp_capabilities" ? .lines([Self.capabilities]) : .lines([])
        }
        defer { qemu.stop() }
        let qmp = try await QMPClient.connect(path: qemu.path, timeout: .milliseconds(300))
        let began = ContinuousClock.now
        let error = await #expect(throws: RuntimeError.self) { try await qmp.execute("query-status") }
        #expect(error?.message.contains("no answer to query-status") == true)
        #expect(ContinuousClock.now - began < .seconds(3))
    }

    @Test func noGreetingFailsTheConnect() async throws {
        let qemu = try FakeQMP(path: Self.socketPath("mute"), greet: false) { _ in .lines([]) }
        defer { qemu.stop() }
        let error = await #expect(throws: RuntimeError.self) {
            _ = try await QMPClient.connect(path: qemu.path, timeout: .milliseconds(300))
        }
        #expect(error?.message.contains("the QMP greeting") == true)
    }

    @Test func aClosedConnectionFailsTheWaitingCommand() async throws {
        let qemu = try FakeQMP(path: Self.socketPath("closed")) { name in
            name == "qmp_capabilities" ? .lines([Self.capabilities]) : .close
        }
        defer { qemu.stop() }
        let qmp = try await QMPClient.connect(path: qemu.path, timeout: .seconds(5))
        let error = await #expect(throws: RuntimeError.self) { try await qmp.execute("quit") }
        #expect(error?.code == .notRunning)
    }

    @Test func connectRetriesUntilTheSocketExists() async throws {
        let path = Self.socketPath("late")
        unlink(path)
        async let connected = QMPClient.connect(path: path, timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(200))
        let qemu = try FakeQMP(path: path) { _ in .lines([Self.capabilities]) }
        defer { qemu.stop() }
        let qmp = try await connected
        qmp.close()
        #expect(qemu.received == ["qmp_capabilities"])
    }

    @Test func nothingListeningOrAPathTooLongIsAClearError() async throws {
        let missing = await #expect(throws: RuntimeError.self) {
            _ = try await QMPClient.connect(path: Self.socketPath("nobody"), timeout: .milliseconds(200))
        }
        #expect(missing?.code == .notRunning)
        #expect(missing?.message.contains("cannot connect to") == true)
        let long = "/tmp/" + String(repeating: "x", count: 120) + ".sock"
        let tooLong = await #expect(throws: RuntimeError.self) {
            _ = try await QMPClient.connect(path: long, timeout: .milliseconds(200))
        }
        #expect(tooLong?.code == .resources)
    }
}

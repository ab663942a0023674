import Foundation
@testable import TarmacRuntime
@testable import TarmacShimCore
import Testing

/// The two ends of the shim's wire, written by different code: the driver encodes with
/// Foundation, the Foundation-free shim decodes with its own reader, and the other way
/// round for the exit file.
@Suite("Shim wire: driver ↔ tarmac-shim")
struct ShimWireTests {
    @Test("the driver's JSONEncoder configuration decodes in the shim, escapes included")
    func configurationRoundTrip() throws {
        let configuration = ContainerShim.Configuration(
            runc: "/usr/sbin/runc", runcRoot: "/var/lib/tarmac/agent/runc", containerID: "tarmac-3f9a",
            bundle: "/tmp/a \"quoted\" dir/bundle", logPath: "/tmp/tab\there/machine.log", pidFile: "/tmp/ünïcødé/pid",
            runcLog: "/tmp/emoji-🚀/runc.log", exitFile: "/tmp/back\\slash/exit.json", cgroupsPath: "/tarmac/3f9a",
            diagnosticsPath: "/tmp/line\nbreak/shim.log")
        let json = try JSONEncoder().encode(configuration)
        let decoded = try ShimConfiguration(json: Array(json))
        #expect(decoded.runc == configuration.runc)
        #expect(decoded.runcRoot == configuration.runcRoot)
        #expect(decoded.containerID == configuration.containerID)
        #expect(decoded.bundle == configuration.bundle)
        #expect(decoded.logPath == configuration.logPath)
        #expect(decoded.pidFile == configuration.pidFile)
        #expect(decoded.runcLog == configuration.runcLog)
        #expect(decoded.exitFile == configuration.exitFile)
        #expect(decoded.cgroupsPath == configuration.cgroupsPath)
        #expect(decoded.diagnosticsPath == configuration.diagnosticsPath)
    }

    @Test("a configuration with a member missing or broken JSON is refused")
    func invalidConfiguration() {
        #expect(throws: ShimConfiguration.InvalidError.self) { try ShimConfiguration(json: Array(#"{"runc":"runc"}"#.utf8)) }
        #expect(throws: ShimConfiguration.InvalidError.self) { try ShimConfiguration(json: Array(#"{"runc":"ru"#.utf8)) }
    }

    @Test("the shim's exit file reads back as the ExitStatus the driver reports", arguments: [
        ShimExit(exitCode: 3, signal: 0, oomKilled: false, exitedAtMilliseconds: 1_764_000_000_123),
        ShimExit(exitCode: 0, signal: 9, oomKilled: true, exitedAtMilliseconds: 1_764_000_000_999),
        ShimExit(exitCode: 0, signal: 0, oomKilled: false, exitedAtMilliseconds: 1, error: "lost \"it\"\n\u{1}\\ ✓"),
    ])
    func exitFile(_ exit: ShimExit) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("shim-exit-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(exit.write(to: path) == nil)
        let status = try #require(ExitFile.read(path))
        #expect(status.exitCode == exit.exitCode)
        #expect(status.signal == exit.signal)
        #expect(status.oomKilled == exit.oomKilled)
        #expect(status.error == exit.error)
        #expect(Int64((status.exitedAt.timeIntervalSince1970 * 1000).rounded()) == exit.exitedAtMilliseconds)
    }

    @Test("the last error or fatal line of runc's JSON log is the failure message")
    func runcLog() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("runc-log-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = [
            #"{"level":"info","msg":"starting","time":"2026-11-27T10:00:00Z"}"#,
            #"{"level":"error","msg":"first \"problem\"","time":"2026-11-27T10:00:01Z"}"#,
            #"{"level":"error","msg":"exec: \"nope\": executable file not found in $PATH","time":"2026-11-27T10:00:02Z","extra":{"a":[1,"}"]}}"#,
            #"{"level":"warning","msg":"ignored","time":"2026-11-27T10:00:03Z"}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(ShimSupervisor.lastRuncError(path) == #"exec: "nope": executable file not found in $PATH"#)
        #expect(ShimSupervisor.lastRuncError(path + ".missing") == nil)
    }

    @Test("the default shim is tarmac-shim next to tarmac, else tarmac runtime-shim; TARMAC_SHIM overrides")
    func defaultShimCommand() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shim-lookup-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tarmac = "\(directory)/tarmac"
        #expect(ContainerDriver.defaultShimCommand(tarmac: tarmac, environment: [:]) == [tarmac, "runtime-shim"])
        let shim = "\(directory)/tarmac-shim"
        #expect(FileManager.default.createFile(atPath: shim, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755]))
        #expect(ContainerDriver.defaultShimCommand(tarmac: tarmac, environment: [:]) == [shim])
        #expect(ContainerDriver.defaultShimCommand(tarmac: tarmac, environment: ["TARMAC_SHIM": "big"]) == [tarmac, "runtime-shim"])
        #expect(ContainerDriver.defaultShimCommand(tarmac: tarmac, environment: ["TARMAC_SHIM": "runtime-shim"]) == [tarmac, "runtime-shim"])
        #expect(ContainerDriver.defaultShimCommand(tarmac: tarmac, environment: ["TARMAC_SHIM": "/opt/shim"]) == ["/opt/shim"])
    }
}

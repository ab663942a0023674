import Foundation
import Testing
import TarmacGuestProtocol
@testable import TarmacRuntime

/// tarmac-init and GuestChannel against a real microVM (QEMU, TCG). Skipped unless the
/// guest artefacts (scripts/build-guest.sh) and QEMU are present.
@Suite(.serialized, .enabled(if: GuestVMFixture.available, "needs scripts/build-guest.sh artefacts and QEMU"))
struct GuestVMTests {
    private static let mainScript = "echo main-started; trap 'exit 77' USR1; while :; do sleep 1 & wait $!; done"

    private func config(_ args: [String]) -> GuestConfig {
        GuestConfig(args: args, env: ["PATH=/bin", "GREETING=hi"], workingDirectory: "/home/app", user: "", hostname: "vmtest", network: nil)
    }

    @Test func execStatusProcessesSignalAndExitReport() async throws {
        let vm = try GuestVMFixture.boot(config(["/bin/sh", "-c", Self.mainScript]), name: "main")
        defer { vm.cleanUp() }
        let clock = ContinuousClock()
        let start = clock.now
        let channel = try await GuestChannel.connect(socketPath: vm.controlSocket, timeout: .seconds(60))
        print("guest channel ready \(clock.now - start) after QEMU start")
        #expect(channel.mainPID > 1)

        let plain = try await channel.exec(GuestExecRequest(args: ["sh", "-c", "echo out $GREETING $(pwd); echo err >&2; exit 3"]))
        #expect(String(decoding: plain.stdout, as: UTF8.self) == "out hi /home/app\n")
        #expect(String(decoding: plain.stderr, as: UTF8.self) == "err\n")
        #expect(plain.exitCode == 3 && plain.signal == 0 && !plain.timedOut)

        let overridden = try await channel.exec(GuestExecRequest(args: ["sh", "-c", "echo $GREETING"], env: ["GREETING=override"]))
        #expect(String(decoding: overridden.stdout, as: UTF8.self) == "override\n")

        let input = try await channel.exec(GuestExecRequest(args: ["cat"], stdin: Array("piped input".utf8)))
        #expect(String(decoding: input.stdout, as: UTF8.self) == "piped input")

        let user = try await channel.exec(GuestExecRequest(args: ["id"], user: "app"))
        #expect(String(decoding: user.stdout, as: UTF8.self).hasPrefix("uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)"))

        let missing = try await channel.exec(GuestExecRequest(args: ["no-such-tool"]))
        #expect(missing.exitCode == 127)

        // A long exec does not block other requests; its timeout kills it.
        async let slow = channel.exec(GuestExecRequest(args: ["sleep", "30"], timeoutMilliseconds: 1_500))
        let processes = try await channel.processes()
        #expect(processes.contains { $0.pid == channel.mainPID && $0.command.hasPrefix("/bin/sh -c") })
        let status = try await channel.status()
        #expect(status.running && status.pid == channel.mainPID && status.exit == nil)
        let timedOut = try await slow
        #expect(timedOut.timedOut && timedOut.signal == 9)

        // Another agent connects while the VM runs.
        await channel.close()
        let second = try await GuestChannel.connect(socketPath: vm.controlSocket, timeout: .seconds(20))
        #expect(second.mainPID == channel.mainPID)
        #expect(try await second.status().running)

        // SIGUSR1 reaches the main process, which exits 77; init reports it and powers off.
        try await second.signal(10)
        let exit = try await second.waitForExit()
        #expect(exit == GuestExit(exitCode: 77, signal: 0, oomKilled: false))
        #expect(try await vm.waitForExit(timeout: .seconds(20)), "QEMU did not exit after the main process ended")
        #expect(ExitReport.read(path: vm.exitFile) == GuestExit(exitCode: 77, signal: 0, oomKilled: false))
        #expect(vm.consoleLog.contains("main-started"))
        if ProcessInfo.processInfo.environment["TARMAC_GUEST_CMDLINE"]?.contains("tarmac.debug") == true { print(vm.consoleLog) }
        await second.close()
    }

    @Test func poweroffStopsTheMachine() async throws {
        let vm = try GuestVMFixture.boot(config(["/bin/sh", "-c", Self.mainScript]), name: "poweroff")
        defer { vm.cleanUp() }
        try await withGuestChannel(socketPath: vm.controlSocket, timeout: .seconds(60)) { channel in
            try await channel.poweroff()
            let exited = try await vm.waitForExit(timeout: .seconds(20))
            #expect(exited, "QEMU did not exit after poweroff")
        }
        // sh does not trap SIGTERM: it dies of it.
        #expect(ExitReport.read(path: vm.exitFile) == GuestExit(exitCode: 0, signal: 15, oomKilled: false))
    }
}

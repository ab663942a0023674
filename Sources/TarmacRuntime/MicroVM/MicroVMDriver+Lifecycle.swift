import Foundation
import TarmacGuestProtocol
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

extension MicroVMDriver {
    func process(of handle: RuntimeHandle) -> QEMUProcess {
        QEMUProcess(pid: handle.pid, startTime: handle.pidStartTime)
    }

    func exitFile(of handle: RuntimeHandle, _ layout: MicroVMLayout) -> String {
        handle.details[MicroVMLayout.Key.exitFile] ?? layout.exitFile
    }

    func killMarker(of handle: RuntimeHandle, _ layout: MicroVMLayout) -> String {
        handle.details[MicroVMLayout.Key.killMarker] ?? layout.killMarker
    }

    /// Marks that QEMU ended because the machine was suspended (next to the kill marker).
    func suspendMarker(of handle: RuntimeHandle, _ layout: MicroVMLayout) -> String {
        Self.suspendMarker(killMarker: killMarker(of: handle, layout))
    }

    static func suspendMarker(killMarker: String) -> String {
        (killMarker.hasSuffix(".killed") ? String(killMarker.dropLast(".killed".count)) : killMarker) + ".suspended"
    }

    func controlSocket(of handle: RuntimeHandle, _ layout: MicroVMLayout) -> String {
        handle.details[MicroVMLayout.Key.controlSocket] ?? layout.controlSocket
    }

    /// The VM's control channel (cached, or connected anew for a re-adopted VM).
    func channel(_ handle: RuntimeHandle, _ layout: MicroVMLayout) async throws -> GuestChannel {
        do {
            return try await channels.channel(socketPath: controlSocket(of: handle, layout), timeout: .seconds(5))
        } catch {
            throw RuntimeError(.notRunning, "cannot reach the init of machine \(handle.machineID): \(error)")
        }
    }

    // MARK: signal

    /// Passes `signal` to the main process through the guest's init. For SIGKILL, QEMU
    /// itself is killed when the guest has not powered off within `killGrace` or cannot be
    /// reached at all (the exit is then reported as SIGKILL).
    public func signal(_ handle: RuntimeHandle, _ signal: Int32) async throws {
        let layout = try layout(for: handle)
        let qemu = process(of: handle)
        guard qemu.isRunning else { throw RuntimeError(.notRunning, "machine \(handle.machineID) is not running") }
        do {
            try await channel(handle, layout).signal(signal)
        } catch {
            await channels.drop(controlSocket(of: handle, layout))
            guard signal == SIGKILL else {
                if let error = error as? RuntimeError, error.code == .notRunning {
                    throw RuntimeError(.notRunning, "machine \(handle.machineID) is not running: \(error.message)")
                }
                throw error
            }
            try await kill(qemu, marker: killMarker(of: handle, layout))
            return
        }
        if signal == SIGKILL, !(await qemu.waitForExit(timeout: configuration.killGrace)) {
            try await kill(qemu, marker: killMarker(of: handle, layout))
        }
    }

    /// Kills QEMU after recording that the driver did it (so `wait` reports SIGKILL).
    func kill(_ qemu: QEMUProcess, marker: String) async throws {
        guard qemu.isRunning else { return }
        try? ScratchFile.write("killed\n", to: marker)
        qemu.kill(SIGKILL)
        guard await qemu.waitForExit(timeout: .seconds(5)) else {
            throw RuntimeError(.internalError, "QEMU (pid \(qemu.pid)) survived SIGKILL for 5 s")
        }
    }

    // MARK: wait, status

    /// Waits for QEMU to end and reports how the main process ended. When QEMU ended
    /// because the machine was suspended, the process has not ended: the wait ends with
    /// `CancellationError` (as if the waiter had been cancelled) rather than an exit.
    public func wait(_ handle: RuntimeHandle) async throws -> ExitStatus {
        let layout = try layout(for: handle)
        let qemu = process(of: handle)
        try await qemu.untilExit(pollInterval: configuration.pollInterval)
        await channels.drop(controlSocket(of: handle, layout))
        if FileManager.default.fileExists(atPath: suspendMarker(of: handle, layout)) {
            throw CancellationError()
        }
        return finalStatus(handle, layout)
    }

    public func status(_ handle: RuntimeHandle) async -> RuntimeStatus {
        guard let layout = try? layout(for: handle) else { return .gone }
        if process(of: handle).isRunning { return .running }
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: exitFile(of: handle, layout)) || fileManager.fileExists(atPath: killMarker(of: handle, layout))
            || fileManager.fileExists(atPath: layout.vmDirectory) {
            return .exited(finalStatus(handle, layout))
        }
        return .gone
    }

    /// How a VM whose QEMU has ended finished: the guest's exit report, else SIGKILL when
    /// the driver killed QEMU, else a runtime error with the console's last lines.
    func finalStatus(_ handle: RuntimeHandle, _ layout: MicroVMLayout) -> ExitStatus {
        let exitPath = exitFile(of: handle, layout)
        if let exit = ExitReport.read(path: exitPath) {
            return ExitStatus(exitCode: Int(exit.exitCode), signal: Int(exit.signal), oomKilled: exit.oomKilled,
                              exitedAt: Self.modificationDate(exitPath), error: exit.error)
        }
        let marker = killMarker(of: handle, layout)
        if FileManager.default.fileExists(atPath: marker) {
            return ExitStatus(exitCode: 0, signal: Int(SIGKILL), oomKilled: false, exitedAt: Self.modificationDate(marker))
        }
        let log = handle.details[MicroVMLayout.Key.logPath].map { Self.consoleTail($0) } ?? "(no console log)"
        return ExitStatus(exitCode: 0, signal: 0, oomKilled: false, exitedAt: Date(),
                          error: "the VM stopped without an exit report (QEMU pid \(handle.pid)); console: \(log)")
    }

    /// When a file was last written (the exit report's time), so repeated reads agree.
    static func modificationDate(_ path: String) -> Date {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date ?? Date()
    }

    // MARK: exec

    public func exec(_ handle: RuntimeHandle, _ request: ExecRequest) async throws -> ExecResult {
        guard !request.command.isEmpty else { throw RuntimeError(.startFailed, "exec needs a command") }
        let layout = try layout(for: handle)
        guard process(of: handle).isRunning else { throw RuntimeError(.notRunning, "machine \(handle.machineID) is not running") }
        let milliseconds = request.timeout.components.seconds * 1000 + request.timeout.components.attoseconds / 1_000_000_000_000_000
        let guestRequest = GuestExecRequest(args: request.command, env: request.environment, workingDirectory: request.workingDirectory,
                                            user: request.user, stdin: request.stdin, timeoutMilliseconds: max(1, milliseconds))
        let result: GuestExecResult
        do {
            result = try await channel(handle, layout).exec(guestRequest)
        } catch let error as RuntimeError where error.code == .notRunning {
            await channels.drop(controlSocket(of: handle, layout))
            throw error
        }
        return ExecResult(exitCode: Int(result.exitCode), exitSignal: Int(result.signal),
                          stdout: BoundedOutput(limit: BoundedOutput.execLimit, bytes: result.stdout).text,
                          stderr: BoundedOutput(limit: BoundedOutput.execLimit, bytes: result.stderr).text,
                          timedOut: result.timedOut)
    }
}

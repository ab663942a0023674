import Foundation
import TarmacModel
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

/// Suspend: QMP `stop`, `migrate` to `exec:cat > vm/state`, poll `query-migrate` until it
/// completed, `quit`; then `vm/` (disk overlay, QEMU's exact arguments, handle details,
/// the state) is renamed to `snapshot/`, out of reach of `cleanup`. Resume renames it back,
/// starts QEMU with the same arguments plus `-incoming "exec:cat vm/state"`, waits until
/// the incoming migration finished (`paused`), `cont`s, reconnects the control channel and
/// deletes the state file. (`file:` migration URIs are newer than Debian 12's QEMU 7.2.)
extension MicroVMDriver {
    public func suspend(_ handle: RuntimeHandle) async throws -> SnapshotInfo {
        let layout = try layout(for: handle)
        let qemu = process(of: handle)
        guard qemu.isRunning else { throw RuntimeError(.notRunning, "machine \(handle.machineID) is not running") }
        let qmpSocket = handle.details[MicroVMLayout.Key.qmpSocket] ?? layout.qmpSocket
        let state = layout.stateFileDuringSuspend
        try? FileManager.default.removeItem(atPath: state)

        let qmp = try await QMPClient.connect(path: qmpSocket)
        defer { qmp.close() }
        try await qmp.execute("stop")
        do {
            try await qmp.execute("migrate", arguments: ["uri": .string("exec:cat > \(Self.shellQuoted(state))")])
            try await Self.waitForMigration(qmp)
        } catch {
            // Leave the machine running as it was.
            _ = try? await qmp.execute("cont")
            try? FileManager.default.removeItem(atPath: state)
            throw RuntimeError(.internalError, "suspending machine \(handle.machineID) failed: \(error)")
        }
        await channels.drop(controlSocket(of: handle, layout))
        let suspended = suspendMarker(of: handle, layout)
        try? ScratchFile.write("suspended\n", to: suspended)
        _ = try? await qmp.execute("quit")
        if !(await qemu.waitForExit(timeout: .seconds(10))) {
            qemu.kill(SIGKILL)
            _ = await qemu.waitForExit(timeout: .seconds(5))
        }
        let stateBytes = (try? FileManager.default.attributesOfItem(atPath: state)[.size] as? NSNumber)?.int64Value ?? 0

        try? FileManager.default.removeItem(atPath: layout.snapshotDirectory)
        guard rename(layout.vmDirectory, layout.snapshotDirectory) == 0 else {
            throw RuntimeError(.resources, "cannot move \(layout.vmDirectory) to \(layout.snapshotDirectory): \(String(cString: strerror(errno)))")
        }
        var details = handle.details
        details[MicroVMLayout.Key.snapshotDirectory] = layout.snapshotDirectory
        details[MicroVMLayout.Key.stateFile] = layout.stateFile
        details[MicroVMLayout.Key.stateBytes] = String(stateBytes)
        return SnapshotInfo(machineID: handle.machineID, details: details, createdAt: Date())
    }

    static func waitForMigration(_ qmp: QMPClient) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            let info = try await qmp.execute("query-migrate")
            switch info.string("status") {
            case "completed"?: return
            case "failed"?, "cancelled"?:
                throw RuntimeError(.internalError, "migration \(info.string("status") ?? ""): \(info.string("error-desc") ?? "no detail")")
            default: try await Task.sleep(for: .milliseconds(10))
            }
        }
        throw RuntimeError(.internalError, "writing the memory state did not finish within 120 s")
    }

    public func resume(_ spec: RuntimeSpec, from snapshot: SnapshotInfo) async throws -> RuntimeHandle {
        let layout = layout(for: spec)
        let snapshotDirectory = snapshot.details[MicroVMLayout.Key.snapshotDirectory] ?? layout.snapshotDirectory
        guard FileManager.default.fileExists(atPath: "\(snapshotDirectory)/state") else {
            throw RuntimeError(.startFailed, "machine \(spec.machineID) has no saved state to resume from (\(snapshotDirectory)/state)")
        }
        let qemu = try resolve(configuration.qemu, package: "qemu-system-x86")
        try await teardown(layout, process: nil)
        guard rename(snapshotDirectory, layout.vmDirectory) == 0 else {
            throw RuntimeError(.resources, "cannot move \(snapshotDirectory) back to \(layout.vmDirectory): \(String(cString: strerror(errno)))")
        }
        do {
            let arguments: [String] = try Self.readJSON(layout.argumentsFile)
            var details: [String: String] = try Self.readJSON(layout.handleFile)
            try await Self.createTap(layout.tap, network: spec.network)
            // The exit port's file (the suspended instance's) may have lost its directory to cleanup.
            let exitFile = details[MicroVMLayout.Key.exitFile] ?? layout.exitFile
            try createDirectory(URL(fileURLWithPath: exitFile).deletingLastPathComponent().path)
            for socket in [layout.qmpSocket, layout.controlSocket] { unlink(socket) }
            let state = layout.stateFileDuringSuspend
            let process = try await QEMUProcess.launch(qemu: qemu, arguments: arguments + ["-incoming", "exec:cat \(Self.shellQuoted(state))"],
                                                       pidFile: layout.pidFile)
            let qmp = try await QMPClient.connect(path: layout.qmpSocket)
            defer { qmp.close() }
            let deadline = ContinuousClock.now + configuration.startTimeout
            var status = try await qmp.status()
            while status == "inmigrate" || status == "prelaunch" {
                guard ContinuousClock.now < deadline, process.isRunning else {
                    throw RuntimeError(.startFailed, "loading the saved state did not finish (QEMU status \(status))")
                }
                try await Task.sleep(for: .milliseconds(10))
                status = try await qmp.status()
            }
            if status != "running" { try await qmp.execute("cont") }
            try? FileManager.default.removeItem(atPath: state)
            if let marker = details[MicroVMLayout.Key.killMarker] {
                try? FileManager.default.removeItem(atPath: Self.suspendMarker(killMarker: marker))
            }

            let logPath = details[MicroVMLayout.Key.logPath] ?? spec.logPath
            let mainPID = try await awaitGuest(layout, process: process, logPath: logPath, exitFile: exitFile)
            details[MicroVMLayout.Key.snapshotDirectory] = nil
            details[MicroVMLayout.Key.stateFile] = nil
            details[MicroVMLayout.Key.stateBytes] = nil
            try Self.writeJSON(details, to: layout.handleFile)
            return RuntimeHandle(machineID: spec.machineID, driver: name, pid: process.pid, pidStartTime: process.startTime,
                                 processPID: mainPID, details: details)
        } catch {
            try? await teardown(layout, process: nil)
            throw Self.startError(error)
        }
    }

    public func discard(_ snapshot: SnapshotInfo) async {
        guard let directory = snapshot.details[MicroVMLayout.Key.snapshotDirectory] else { return }
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func shellQuoted(_ path: String) -> String {
        "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func readJSON<T: Decodable>(_ path: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RuntimeError(.startFailed, "\(path) is missing")
        }
        return try JSONDecoder().decode(T.self, from: data)
    }
}

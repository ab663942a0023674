import Foundation
import Logging
import TarmacNet
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

extension MicroVMDriver {
    public func cleanup(_ handle: RuntimeHandle) async throws {
        let layout = try layout(for: handle)
        await channels.drop(controlSocket(of: handle, layout))
        let own: QEMUProcess? = handle.pid > 0 ? process(of: handle) : nil
        let current = QEMUProcess.read(pidFile: layout.pidFile)
        if let current, current != own, current.isRunning {
            // A newer instance of the machine runs now: leave its VM alone, end only ours.
            if let own { await own.terminate() }
        } else {
            try await teardown(layout, process: own)
        }
        try? FileManager.default.removeItem(atPath: exitFile(of: handle, layout))
        try? FileManager.default.removeItem(atPath: killMarker(of: handle, layout))
        try? FileManager.default.removeItem(atPath: suspendMarker(of: handle, layout))
        rmdir(layout.exitDirectory) // only when empty
    }

    /// Removes everything of one machine's current VM: a QEMU still running (the handle's,
    /// or the one in `vm/qemu.pid`), the TAP device and the per-start files in `vm/`.
    /// A suspended machine's `snapshot/` stays (see `discard`). Idempotent.
    func teardown(_ layout: MicroVMLayout, process: QEMUProcess?) async throws {
        var problems: [String] = []
        // A QEMU still running here is replaced (a start without cleanup, as after an agent
        // crash): its instance's waiter is told it was killed.
        let recorded: [String: String]? = try? Self.readJSON(layout.handleFile)
        for qemu in [process, QEMUProcess.read(pidFile: layout.pidFile)].compactMap({ $0 }) where qemu.isRunning {
            if let marker = recorded?[MicroVMLayout.Key.killMarker] { try? ScratchFile.write("killed\n", to: marker) }
            qemu.kill(SIGKILL)
            if !(await qemu.waitForExit(timeout: .seconds(5))) { problems.append("QEMU pid \(qemu.pid) survived SIGKILL") }
        }
        do { try await layout.tap.remove() } catch { problems.append(error.description) }
        if FileManager.default.fileExists(atPath: layout.vmDirectory) {
            do {
                try FileManager.default.removeItem(atPath: layout.vmDirectory)
            } catch {
                problems.append("cannot remove \(layout.vmDirectory): \(error.localizedDescription)")
            }
        }
        if !problems.isEmpty {
            throw RuntimeError(.resources, "cleanup of machine \(layout.machineID) incomplete: \(problems.joined(separator: "; "))")
        }
    }

    public func removeOrphans(keeping known: Set<String>) async -> [String] {
        let prefix = configuration.resourcePrefix
        var removed: [String] = []
        for (qemu, name) in QEMUProcess.running(namePrefix: "\(prefix)/") {
            let id = String(name.dropFirst(prefix.count + 1))
            guard !id.isEmpty, !known.contains(id) else { continue }
            qemu.kill(SIGKILL)
            _ = await qemu.waitForExit(timeout: .seconds(5))
            removed.append("qemu \(id) (pid \(qemu.pid))")
        }
        for tap in TapDevice.existing(prefix: prefix) where !known.contains(tap.machineID) {
            do {
                try await tap.remove()
                removed.append("tap \(tap.name) of \(tap.machineID)")
            } catch {
                logger.warning("cannot remove orphaned TAP device", metadata: ["tap": "\(tap.name)", "error": "\(error)"])
            }
        }
        for entry in removed {
            logger.info("removed orphaned microvm resource", metadata: ["resource": "\(entry)"])
        }
        return removed
    }
}

import Foundation
import Logging
import TarmacNet
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

extension ContainerDriver {
    public func cleanup(_ handle: RuntimeHandle) async throws {
        let layout = try layout(for: handle)
        Self.reapIfChild(handle)
        try await teardown(layout, shim: (handle.pid, handle.pidStartTime))
        Self.reapIfChild(handle)
        try? FileManager.default.removeItem(atPath: layout.exitFile)
        rmdir(layout.exitDirectory) // only when empty
    }

    /// Removes everything of one machine's container: a shim still running (by killing its
    /// container), runc state, the rootfs mount, network, cgroups and per-start files.
    /// Checks before acting so it costs only a few stat calls when nothing is there.
    func teardown(_ layout: ContainerLayout, shim: (pid: Int32, startTime: UInt64)?) async throws {
        var problems: [String] = []
        let fileManager = FileManager.default
        let runningShim = shim ?? Self.recordedShim(layout)

        if fileManager.fileExists(atPath: layout.runcStateDirectory) {
            do {
                let result = try await Command.run(try resolve(configuration.runc),
                                                   ["--root", layout.runcRoot, "delete", "-f", layout.containerID])
                if !result.succeeded && fileManager.fileExists(atPath: layout.runcStateDirectory) {
                    problems.append("runc delete: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
                }
            } catch {
                problems.append("runc delete: \(error)")
            }
        }
        if let runningShim {
            // Its container is gone, so it records the exit and ends; wait (and reap it when
            // it is our child) so it cannot touch the next start's files.
            await Self.waitForExit(pid: runningShim.pid, startTime: runningShim.startTime, timeout: .seconds(5))
        }

        OverlayMount.unmount(layout.rootfs)
        let rootfsMounted = OverlayMount.mounts(sourcePrefix: "").contains { $0.target == layout.rootfs }
        if rootfsMounted { problems.append("\(layout.rootfs) is still mounted") }

        let network = layout.network
        if network.exists {
            do { try await network.tearDown() } catch { problems.append(error.description) }
        }
        let cgroupsLeft = await CgroupV1.remove(layout.cgroupsPath)
        if !cgroupsLeft.isEmpty { problems.append("cannot remove cgroups \(cgroupsLeft.joined(separator: ", "))") }

        var paths = [layout.stateDirectory, layout.overlayDirectory]
        // Never recurse into a rootfs that is still mounted.
        paths += rootfsMounted ? [layout.configFile, layout.etcDirectory] : [layout.bundle]
        for path in paths where fileManager.fileExists(atPath: path) {
            do { try fileManager.removeItem(atPath: path) } catch { problems.append("cannot remove \(path): \(error.localizedDescription)") }
        }
        if !problems.isEmpty {
            throw RuntimeError(.resources, "cleanup of machine \(layout.machineID) incomplete: \(problems.joined(separator: "; "))")
        }
    }

    /// The shim recorded by the last start, from `state/shim.pid` (`pid starttime`).
    static func recordedShim(_ layout: ContainerLayout) -> (pid: Int32, startTime: UInt64)? {
        guard let text = try? String(contentsOfFile: layout.shimPidFile, encoding: .utf8) else { return nil }
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let pid = Int32(fields[0]), let startTime = UInt64(fields[1]) else { return nil }
        return (pid, startTime)
    }

    static func waitForExit(pid: Int32, startTime: UInt64, timeout: Duration) async {
        _ = await ProcessExitMonitor.shared.waitForExit(of: pid, startTime: startTime, timeout: timeout)
        if Processes.startTime(of: pid) == startTime { _ = Spawn.poll(pid) }
    }

    public func removeOrphans(keeping known: Set<String>) async -> [String] {
        let prefix = configuration.resourcePrefix
        var removed: [String] = []
        let isOrphan = { (id: String) in !id.isEmpty && !known.contains(id) && !id.contains("-") && !id.contains("/") }

        let containers = (try? FileManager.default.contentsOfDirectory(atPath: configuration.runcRoot)) ?? []
        if let runc = try? resolve(configuration.runc) {
            for id in containers.sorted() where isOrphan(id) {
                let result = try? await Command.run(runc, ["--root", configuration.runcRoot, "delete", "-f", id])
                if result?.succeeded == true { removed.append("runc container \(id)") }
            }
        }
        for mount in OverlayMount.mounts(sourcePrefix: "\(prefix)-") {
            let id = String(mount.source.dropFirst(prefix.count + 1))
            if isOrphan(id), OverlayMount.unmount(mount.target) { removed.append("overlay mount \(mount.target)") }
        }
        for network in MachineNetwork.existing(prefix: prefix) where isOrphan(network.machineID) {
            do {
                try await network.tearDown()
                removed.append("network namespace \(network.namespaceName)")
            } catch {
                logger.warning("cannot remove orphaned network", metadata: ["machine_id": "\(network.machineID)", "error": "\(error)"])
            }
        }
        for id in CgroupV1.machineIDs(prefix: prefix).sorted() where isOrphan(id) {
            let cgroupsPath = "/\(prefix)/\(id)"
            if await CgroupV1.remove(cgroupsPath).isEmpty { removed.append("cgroup \(cgroupsPath)") }
        }
        for entry in removed {
            logger.info("removed orphaned container resource", metadata: ["resource": "\(entry)"])
        }
        return removed
    }
}

import Foundation
import TarmacNet
import TarmacSystem

/// Finds runtime resources of one instance still on the host: runc containers, network
/// namespaces, overlay mounts, cgroups, and the QEMU processes and TAP devices of microVMs.
enum RuntimeLeftovers {
    static func find(prefix: String, dataDirectory: URL) async throws -> [String] {
        var found: [String] = []
        let runcRoot = dataDirectory.appendingPathComponent("agent/runc").path
        let containers = Shell.lines("runc", ["--root", runcRoot, "list", "-q"])
        found += containers.map { "runc container \($0)" }
        found += Shell.lines("ip", ["netns", "list"]).filter { $0.hasPrefix(prefix + "-") }.map { "netns \($0)" }
        let mounts = ProcFile.read("/proc/self/mounts") ?? ""
        found += mounts.split(separator: "\n").filter { $0.contains(dataDirectory.path) }.map { "mount \($0)" }
        for controller in ["memory", "cpu", "pids"] {
            let directory = "/sys/fs/cgroup/\(controller)/\(prefix)"
            let children = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            let groups = children.filter { child in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: directory + "/" + child, isDirectory: &isDirectory) && isDirectory.boolValue
            }
            found += groups.map { "cgroup \(controller)/\(prefix)/\($0)" }
        }
        found += qemuProcesses(prefix: prefix).map { "qemu process \($0)" }
        found += TapDevice.existing(prefix: prefix).map { "tap \($0.name)" }
        return found
    }

    /// Pids of the instance's microVMs (QEMU runs with `-name <prefix>/<machine id>`).
    static func qemuProcesses(prefix: String) -> [String] {
        Shell.lines("pgrep", ["-f", "qemu-system-x86_64 .*-name \(prefix)/"])
    }
}

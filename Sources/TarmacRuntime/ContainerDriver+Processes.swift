import Foundation
import TarmacModel
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

extension ContainerDriver {
    /// The container's processes, read from /proc on the host: the pids in its cgroup, each
    /// with the pid it has inside the container, its command line, working directory (as
    /// the container sees it), CPU time, start time, RSS, and the TCP/UDP sockets it listens on.
    public func processes(_ handle: RuntimeHandle) async throws -> [ProcessStat] {
        let layout = try layout(for: handle)
        let pids = CgroupV1.processes(layout.cgroupsPath)
        guard !pids.isEmpty else { throw RuntimeError(.notRunning, "machine \(handle.machineID) has no running processes") }
        let clock = ProcTables.Clock.current()
        let sockets = Self.listeningSockets(namespaceOf: pids[0])
        return pids.compactMap { pid -> ProcessStat? in
            guard let stat = ProcFile.read("/proc/\(pid)/stat").flatMap(ProcTables.stat),
                  let status = ProcFile.read("/proc/\(pid)/status") else { return nil }
            let started = clock.epochMilliseconds(ticksAfterBoot: stat.startTicks)
            let arguments = ProcFile.read("/proc/\(pid)/cmdline").map { $0.split(separator: "\0").joined(separator: " ") } ?? ""
            let cwd = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")) ?? ""
            return ProcessStat(
                pid: ProcTables.namespacePID(status: status) ?? pid, stime: started, rtime: clock.age(started),
                command: arguments, directory: Self.insideRoot(cwd, rootfs: layout.rootfs),
                cpu: clock.milliseconds(ticks: stat.userTicks + stat.systemTicks), rss: ProcTables.residentBytes(status: status),
                listenSockets: Self.sockets(of: pid, among: sockets))
        }
    }

    /// A host path under the container's root as the container sees it.
    static func insideRoot(_ path: String, rootfs: String) -> String {
        guard path.hasPrefix(rootfs) else { return path }
        let inside = String(path.dropFirst(rootfs.count))
        return inside.isEmpty ? "/" : inside
    }

    /// The listening sockets of the network namespace `pid` is in, by inode.
    static func listeningSockets(namespaceOf pid: Int32) -> [UInt64: ProcessStat.ListenSocket] {
        var sockets: [UInt64: ProcessStat.ListenSocket] = [:]
        for (file, proto) in [("tcp", "tcp"), ("tcp6", "tcp"), ("udp", "udp"), ("udp6", "udp")] {
            guard let table = ProcFile.read("/proc/\(pid)/net/\(file)") else { continue }
            for (inode, socket) in ProcTables.listeningSockets(table, proto: proto) { sockets[inode] = socket }
        }
        return sockets
    }

    /// Which of `sockets` the process holds open (its `/proc/PID/fd` links `socket:[inode]`).
    static func sockets(of pid: Int32, among sockets: [UInt64: ProcessStat.ListenSocket]) -> [ProcessStat.ListenSocket] {
        guard !sockets.isEmpty, let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { return [] }
        var held: [ProcessStat.ListenSocket] = []
        for descriptor in descriptors {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)"),
                  target.hasPrefix("socket:["), let inode = UInt64(target.dropFirst(8).dropLast()),
                  let socket = sockets[inode], !held.contains(socket) else { continue }
            held.append(socket)
        }
        return held.sorted { ($0.proto, $0.address) < ($1.proto, $1.address) }
    }
}

import Foundation
import TarmacSystem

/// What a running machine uses on its host, for `/metrics`.
public struct ResourceUsage: Sendable, Hashable, Codable {
    /// CPU time used since the instance started (all its processes; for a microVM, QEMU's).
    public var cpuSeconds: Double
    /// Memory in use: the container's memory cgroup, or QEMU's resident set.
    public var memoryBytes: Int64

    public init(cpuSeconds: Double, memoryBytes: Int64) {
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
    }
}

extension ContainerDriver {
    /// From the container's cgroups (v1): `cpuacct.usage` and `memory.usage_in_bytes`.
    public func usage(_ handle: RuntimeHandle) async -> ResourceUsage? {
        guard let layout = try? layout(for: handle),
              let cpu = ProcFile.read("\(CgroupV1.root)/cpuacct\(layout.cgroupsPath)/cpuacct.usage").flatMap({ Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }),
              let memory = ProcFile.read("\(CgroupV1.root)/memory\(layout.cgroupsPath)/memory.usage_in_bytes").flatMap({ Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        else { return nil }
        return ResourceUsage(cpuSeconds: Double(cpu) / 1_000_000_000, memoryBytes: memory)
    }
}

extension MicroVMDriver {
    /// From the QEMU process: its CPU time (guest and emulation) and resident memory.
    public func usage(_ handle: RuntimeHandle) async -> ResourceUsage? {
        guard handle.pid > 0, let stat = ProcFile.read("/proc/\(handle.pid)/stat").flatMap(ProcTables.stat),
              let status = ProcFile.read("/proc/\(handle.pid)/status") else { return nil }
        let clock = ProcTables.Clock.current()
        return ResourceUsage(
            cpuSeconds: Double(clock.milliseconds(ticks: stat.userTicks + stat.systemTicks)) / 1000,
            memoryBytes: ProcTables.residentBytes(status: status))
    }
}

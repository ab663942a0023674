/// The `size` presets of fly-go: `shared-cpu-Nx` = N shared CPUs × 256 MB,
/// `performance-Nx` = N performance CPUs × 2048 MB.
public enum GuestPresets {
    public static func guest(forSize size: String) -> MachineConfig.GuestConfig? {
        let shared = [1, 2, 4, 6, 8]
        let performance = [1, 2, 4, 6, 8, 10, 12, 14, 16]
        if size.hasPrefix("shared-cpu-"), size.hasSuffix("x"),
           let count = Int(size.dropFirst("shared-cpu-".count).dropLast()), shared.contains(count) {
            return .init(cpuKind: "shared", cpus: count, memoryMB: count * 256)
        }
        if size.hasPrefix("performance-"), size.hasSuffix("x"),
           let count = Int(size.dropFirst("performance-".count).dropLast()), performance.contains(count) {
            return .init(cpuKind: "performance", cpus: count, memoryMB: count * 2048)
        }
        return nil
    }
}

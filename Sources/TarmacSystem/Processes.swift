import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Facts about processes read from /proc.
public enum Processes {
    /// Start time of `pid` in clock ticks since boot (field 22 of /proc/PID/stat), or nil
    /// when the process does not exist. Together with the pid it identifies one process.
    public static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3); start time is field 22 → index 19.
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    /// State letter of `pid` (R, S, D, Z, …) or nil when it does not exist.
    public static func state(of pid: Int32) -> Character? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ").first?.first
    }

    /// Whether the process `pid` that started at `startTime` is still alive (zombies count as dead).
    public static func isAlive(pid: Int32, startTime: UInt64) -> Bool {
        guard pid > 0, let current = Self.startTime(of: pid), current == startTime else { return false }
        return state(of: pid) != "Z"
    }

    /// Path of the running executable (to start helper processes such as the runtime shim).
    public static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

import Foundation

/// The cgroup v1 hierarchies (one per controller under /sys/fs/cgroup, plus the hybrid
/// `unified` one) where runc places a container at `cgroupsPath`.
enum CgroupV1 {
    static let root = "/sys/fs/cgroup"

    /// Hierarchy directories (`/sys/fs/cgroup/memory`, …); symlinks such as `cpu,cpuacct` skipped.
    static func hierarchies() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.sorted().compactMap { name in
            let path = "\(root)/\(name)"
            guard let type = try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType,
                  type == .typeDirectory else { return nil }
            return path
        }
    }

    /// Existing directories of `cgroupsPath` across all hierarchies.
    static func directories(of cgroupsPath: String) -> [String] {
        hierarchies().map { $0 + cgroupsPath }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// Whether the memory controller accounts swap (`memory.memsw.limit_in_bytes` exists).
    static var hasSwapAccounting: Bool {
        FileManager.default.fileExists(atPath: "\(root)/memory/memory.memsw.limit_in_bytes")
    }

    /// How many times the kernel's OOM killer fired in the cgroup (`oom_kill` of
    /// `memory.oom_control`, kernel ≥ 4.13), or nil when it cannot be read.
    static func oomKillCount(_ cgroupsPath: String) -> Int? {
        guard let text = try? String(contentsOfFile: "\(root)/memory\(cgroupsPath)/memory.oom_control", encoding: .utf8) else {
            return nil
        }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, fields[0] == "oom_kill" { return Int(fields[1]) }
        }
        return nil
    }

    /// The pids in the cgroup (`cgroup.procs` of the first hierarchy that has it), sorted.
    static func processes(_ cgroupsPath: String) -> [Int32] {
        for hierarchy in ["memory", "pids", "cpu", "unified"] {
            guard let text = try? String(contentsOfFile: "\(root)/\(hierarchy)\(cgroupsPath)/cgroup.procs", encoding: .utf8) else { continue }
            return text.split(separator: "\n").compactMap { Int32($0) }.sorted()
        }
        return []
    }

    /// Machine IDs with a cgroup under `/<prefix>/` in any hierarchy.
    static func machineIDs(prefix: String) -> Set<String> {
        var ids = Set<String>()
        for hierarchy in hierarchies() {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(hierarchy)/\(prefix)")) ?? []
            for name in names where FileManager.default.fileExists(atPath: "\(hierarchy)/\(prefix)/\(name)/cgroup.procs") {
                ids.insert(name)
            }
        }
        return ids
    }

    /// Kills any process left in the cgroup and removes its directory in every hierarchy
    /// (children first). Returns the directories that could not be removed.
    /// A directory stays busy until its killed processes are gone: retried every 10 ms for
    /// up to half a second (sooner when the calling task is cancelled).
    @discardableResult
    static func remove(_ cgroupsPath: String) async -> [String] {
        var failed: [String] = []
        for directory in directories(of: cgroupsPath) {
            if await !removeTree(directory) { failed.append(directory) }
        }
        return failed
    }

    private static func removeTree(_ directory: String) async -> Bool {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for entry in entries where FileManager.default.fileExists(atPath: "\(directory)/\(entry)/cgroup.procs") {
            _ = await removeTree("\(directory)/\(entry)")
        }
        for attempt in 0..<50 {
            if rmdir(directory) == 0 || errno == ENOENT { return true }
            guard errno == EBUSY else { return false }
            if attempt == 0 { killProcesses(in: directory) }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    private static func killProcesses(in directory: String) {
        guard let text = try? String(contentsOfFile: "\(directory)/cgroup.procs", encoding: .utf8) else { return }
        for line in text.split(separator: "\n") {
            if let pid = Int32(line) { kill(pid, SIGKILL) }
        }
    }
}

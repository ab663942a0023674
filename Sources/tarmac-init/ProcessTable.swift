import Glibc
import TarmacGuestProtocol

/// The guest's processes as /proc shows them (kernel threads left out).
enum ProcessTable {
    static func list() -> [GuestProcess] {
        let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))
        var processes: [GuestProcess] = []
        for entry in FileSystem.list("/proc") {
            guard let pid = Int32(entry), pid > 0 else { continue }
            guard let commandLine = FileSystem.read("/proc/\(pid)/cmdline"), !commandLine.isEmpty,
                  let stat = FileSystem.readText("/proc/\(pid)/stat") else { continue }
            // Fields after the command, which is in parentheses and may contain anything.
            guard let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // fields[0] is field 3 (state): field N is fields[N - 3].
            func field(_ number: Int) -> Int64 { number - 3 < fields.count ? Int64(fields[number - 3]) ?? 0 : 0 }
            var arguments = commandLine
            if arguments.last == 0 { arguments.removeLast() }
            let command = String(decoding: arguments.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            processes.append(GuestProcess(
                pid: pid, command: command, directory: link("/proc/\(pid)/cwd"),
                rssBytes: field(24) * pageSize, startTicks: field(22), cpuTicks: field(14) + field(15)))
        }
        return processes.sorted { $0.pid < $1.pid }
    }

    private static func link(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return "" }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `oom_kill` from /proc/vmstat: how often the kernel's OOM killer has fired.
    static func oomKills() -> Int64 {
        guard let text = FileSystem.readText("/proc/vmstat") else { return 0 }
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("oom_kill ") {
            return Int64(line.dropFirst("oom_kill ".count)) ?? 0
        }
        return 0
    }
}

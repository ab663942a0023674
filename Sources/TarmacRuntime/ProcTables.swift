import Foundation
import TarmacModel
import TarmacSystem

/// Parsing of the /proc files `ps` reads (pure, unit-tested).
enum ProcTables {
    /// Clock ticks placed on the wall clock: this host's tick rate and boot time.
    struct Clock {
        var ticksPerSecond: Int64
        var bootMilliseconds: Int64
        var nowMilliseconds: Int64

        /// Read from `/proc/stat` and `sysconf` now.
        static func current() -> Clock {
            Clock(ticksPerSecond: Int64(max(1, sysconf(Int32(_SC_CLK_TCK)))),
                  bootMilliseconds: (ProcFile.read("/proc/stat").flatMap(ProcTables.bootTime) ?? 0) * 1000,
                  nowMilliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        }

        func milliseconds(ticks: Int64) -> Int64 { ticks * 1000 / ticksPerSecond }

        /// Unix milliseconds of a moment `ticks` after boot.
        func epochMilliseconds(ticksAfterBoot ticks: Int64) -> Int64 { bootMilliseconds + milliseconds(ticks: ticks) }

        /// How long ago `epochMilliseconds` was.
        func age(_ epochMilliseconds: Int64) -> Int64 { max(0, nowMilliseconds - epochMilliseconds) }
    }

    struct Stat: Equatable {
        var userTicks: Int64
        var systemTicks: Int64
        /// Clock ticks after boot when the process started.
        var startTicks: Int64
    }

    /// Fields of `/proc/PID/stat` after the command (which may contain spaces and parentheses).
    static func stat(_ text: String) -> Stat? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state): utime 14 → 11, stime 15 → 12, starttime 22 → 19.
        guard fields.count > 19, let user = Int64(fields[11]), let system = Int64(fields[12]), let start = Int64(fields[19]) else {
            return nil
        }
        return Stat(userTicks: user, systemTicks: system, startTicks: start)
    }

    /// The pid in the innermost pid namespace (`NSpid:` of `/proc/PID/status`).
    static func namespacePID(status: String) -> Int32? {
        line(status, "NSpid:").flatMap { $0.split(whereSeparator: \.isWhitespace).last }.flatMap { Int32($0) }
    }

    /// Resident memory in bytes (`VmRSS:` in kB), 0 for kernel threads and zombies.
    static func residentBytes(status: String) -> Int64 {
        guard let value = line(status, "VmRSS:")?.split(whereSeparator: \.isWhitespace).first, let kilobytes = Int64(value) else { return 0 }
        return kilobytes * 1024
    }

    /// Boot time, Unix seconds (`btime` of `/proc/stat`).
    static func bootTime(_ text: String) -> Int64? {
        line(text, "btime").flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// Sockets in `/proc/net/{tcp,udp}{,6}` that accept traffic: TCP in LISTEN, UDP bound
    /// and unconnected (state 07). Each with its inode, to find the process holding it.
    static func listeningSockets(_ table: String, proto: String) -> [(inode: UInt64, socket: ProcessStat.ListenSocket)] {
        var found: [(UInt64, ProcessStat.ListenSocket)] = []
        for row in table.split(separator: "\n").dropFirst() {
            let fields = row.split(whereSeparator: \.isWhitespace)
            guard fields.count > 9 else { continue }
            let state = fields[3]
            guard (proto == "tcp" && state == "0A") || (proto == "udp" && state == "07") else { continue }
            guard let address = address(String(fields[1])), let inode = UInt64(fields[9]), inode != 0 else { continue }
            found.append((inode, ProcessStat.ListenSocket(proto: proto, address: address)))
        }
        return found
    }

    /// `0100007F:1F90` → `127.0.0.1:8080`; 32 hex digits (IPv6, four little-endian words) →
    /// `[::1]:8080` in the shortest form.
    static func address(_ text: String) -> String? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1], radix: 16) else { return nil }
        let hex = Array(parts[0])
        guard hex.count == 8 || hex.count == 32 else { return nil }
        var bytes: [UInt8] = []
        for word in stride(from: 0, to: hex.count, by: 8) {
            guard let value = UInt32(String(hex[word..<(word + 8)]), radix: 16) else { return nil }
            bytes += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
        }
        if bytes.count == 4 { return "\(bytes.map(String.init).joined(separator: ".")):\(port)" }
        return "[\(ipv6(bytes))]:\(port)"
    }

    private static func ipv6(_ bytes: [UInt8]) -> String {
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        // The longest run of two or more zero groups becomes `::`.
        var best = (start: -1, length: 0), index = 0
        while index < groups.count {
            guard groups[index] == 0 else { index += 1; continue }
            let start = index
            while index < groups.count, groups[index] == 0 { index += 1 }
            if index - start > best.length { best = (start, index - start) }
        }
        let text = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return text.joined(separator: ":") }
        let head = text[..<best.start].joined(separator: ":"), tail = text[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }

    private static func line(_ text: String, _ key: String) -> Substring? {
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            return line.dropFirst(key.count).drop { $0 == " " || $0 == "\t" }
        }
        return nil
    }
}

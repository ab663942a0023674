import CTarmacLinux
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Turns the raw machine logs into bounded, timestamped records. Containers' stdout/stderr
/// and microVMs' consoles append to `<directory>/<id>.log` (O_APPEND, so the workload never
/// waits for Tarmac); each pass reads what is new, cuts it into lines, stamps them with the
/// time of the pass and appends them as `LogRecord`s to `<id>.jsonl`, which is rotated at
/// `maxBytes` (`.jsonl.1`, `.jsonl.2`… up to `keep` files). The bytes consumed are given back
/// to the file system (`PUNCH_HOLE`: the raw file keeps its size, so the writer's offsets stay
/// valid, but uses no blocks for what was collected, except its last 64 KiB). Where a machine's raw log was read up to
/// is kept in `<id>.offset`, written after its records, so a crash repeats at most one pass of
/// lines, never loses one. Logs outlive their machine: `expire` deletes those of machines the
/// agent no longer has once nothing was written for `retention`.
public struct LogCollector: Sendable {
    public var directory: String
    public var maxBytes: Int64 = 10 << 20
    public var keep = 3
    public var retention: Duration = .seconds(7 * 86_400)
    /// Longer lines are cut into pieces of this many bytes.
    public var maxLine = 16 << 10
    /// At most this much of a raw log is read per pass.
    public var maxRead = 4 << 20
    /// Collected bytes at the end of a raw log that are not freed.
    static let keptTail: Int64 = 64 << 10

    public init(directory: String) { self.directory = directory }

    func rawPath(_ id: String) -> String { directory + "/" + id + ".log" }
    func recordsPath(_ id: String, generation: Int = 0) -> String {
        directory + "/" + id + ".jsonl" + (generation == 0 ? "" : ".\(generation)")
    }
    func offsetPath(_ id: String) -> String { directory + "/" + id + ".offset" }

    /// Machine IDs that have a raw log.
    func machinesWithLogs() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".log") }.map { String($0.dropLast(4)) }.sorted()
    }

    /// One pass over every raw log: the number of lines collected, and whether a raw log
    /// had more than `maxRead` waiting (then the next pass should follow at once).
    @discardableResult
    public func collectAll(now: Date = Date()) -> (lines: Int, backlog: Bool) {
        var lines = 0
        var backlog = false
        for id in machinesWithLogs() {
            guard let pass = try? collectPass(id, now: now) else { continue }
            lines += pass.lines
            backlog = backlog || pass.backlog
        }
        return (lines, backlog)
    }

    /// Collects what is new in one machine's raw log.
    @discardableResult
    public func collect(_ id: String, now: Date = Date()) throws -> Int {
        try collectPass(id, now: now).lines
    }

    /// One pass over one raw log: the lines collected, and whether more than one pass's
    /// worth was waiting.
    func collectPass(_ id: String, now: Date) throws -> (lines: Int, backlog: Bool) {
        let fd = open(rawPath(id), O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return (0, false) }
        defer { close(fd) }
        var (offset, next) = readOffset(id)
        var info = stat()
        guard fstat(fd, &info) == 0 else { return (0, false) }
        // A raw log shorter than what was read was replaced: start it over.
        if Int64(info.st_size) < offset { offset = 0 }
        let available = Int64(info.st_size) - offset
        guard available > 0 else { return (0, false) }
        let backlog = available > Int64(maxRead)
        var bytes = [UInt8](repeating: 0, count: Int(min(available, Int64(maxRead))))
        let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard count > 0 else { return (0, false) }
        bytes.removeLast(bytes.count - count)
        let (lines, consumed) = Self.split(bytes, maxLine: maxLine)
        guard consumed > 0 else { return (0, false) }
        let stamp = Int64(now.timeIntervalSince1970 * 1_000_000_000)
        var records: [LogRecord] = []
        for line in lines {
            records.append(LogRecord(timestamp: stamp, number: next, message: String(decoding: line, as: UTF8.self)))
            next += 1
        }
        try append(records, to: id)
        offset += Int64(consumed)
        try writeOffset(id, offset: offset, next: next)
        // The newest collected bytes stay in place for readers of the raw log's tail (the
        // microVM driver quotes the console's last lines in errors).
        let freed = (offset - Self.keptTail) / 4096 * 4096
        if freed > 0 { _ = tarmac_punch_hole(fd, 0, freed) }
        return (records.count, backlog)
    }

    /// Complete lines of `bytes` (without their newline; longer ones cut at `maxLine`) and
    /// how many bytes they used; a last line without newline waits for the rest.
    static func split(_ bytes: [UInt8], maxLine: Int) -> ([ArraySlice<UInt8>], Int) {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") {
                // A serial console ends its lines with CR LF; the CR is not part of the text.
                let end = index > start && bytes[index - 1] == UInt8(ascii: "\r") ? index - 1 : index
                lines.append(bytes[start..<end])
                start = index + 1
            } else if index - start == maxLine {
                // A full piece; this byte begins the next one.
                lines.append(bytes[start..<index])
                start = index
            }
            index += 1
        }
        return (lines, start)
    }

    private func append(_ records: [LogRecord], to id: String) throws {
        var data: [UInt8] = []
        for record in records {
            data += record.encodedLine()
            data.append(UInt8(ascii: "\n"))
        }
        let path = recordsPath(id)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? nil
        if let size, size > 0, size + Int64(data.count) > maxBytes { try rotate(id) }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == data.count else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// `.jsonl` → `.jsonl.1` → … ; the oldest beyond `keep` files is deleted.
    private func rotate(_ id: String) throws {
        let oldest = keep - 1
        unlink(recordsPath(id, generation: oldest))
        if oldest >= 1 {
            for generation in stride(from: oldest - 1, through: 0, by: -1) {
                rename(recordsPath(id, generation: generation), recordsPath(id, generation: generation + 1))
            }
        }
    }

    func readOffset(_ id: String) -> (offset: Int64, next: Int64) {
        guard let text = try? String(contentsOfFile: offsetPath(id), encoding: .utf8) else { return (0, 1) }
        let parts = text.split(whereSeparator: \.isWhitespace).compactMap { Int64($0) }
        guard parts.count == 2 else { return (0, 1) }
        return (parts[0], parts[1])
    }

    private func writeOffset(_ id: String, offset: Int64, next: Int64) throws {
        let temporary = offsetPath(id) + ".tmp"
        try "\(offset) \(next)\n".write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, offsetPath(id)) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// Deletes the logs of machines not in `live` whose logs were last written more than
    /// `retention` before `now`; returns their IDs.
    @discardableResult
    public func expire(live: Set<String>, now: Date = Date()) -> [String] {
        let cutoff = now.addingTimeInterval(-Double(retention.components.seconds))
        var removed: [String] = []
        for id in machinesWithLogs() where !live.contains(id) {
            let paths = [rawPath(id), offsetPath(id)] + (0..<keep).map { recordsPath(id, generation: $0) }
            let newest = paths.compactMap { try? FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date }.max()
            guard let newest, newest < cutoff else { continue }
            for path in paths { unlink(path) }
            removed.append(id)
        }
        return removed
    }
}

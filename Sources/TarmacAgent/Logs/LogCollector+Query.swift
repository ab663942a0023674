import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension LogCollector {
    /// The records of a machine numbered above `after` (0: from the start) and collected at
    /// or after `since` (unix nanoseconds), oldest first: the newest `limit` of them, or with
    /// `oldest` the oldest `limit`. The files are read from their end, so a tail or a reader
    /// following on from a recent cursor decodes only the lines it answers.
    public func records(_ id: String, after: Int64 = 0, since: Int64? = nil, limit: Int, oldest: Bool = false) -> [LogRecord] {
        if oldest { return recordsForward(id, after: after, since: since, limit: limit) }
        let decoder = JSONDecoder()
        var newestFirst: [LogRecord] = []
        // Numbers only fall going back; a record out of that order (a rotation while reading
        // moved a file under us) is one already seen.
        var previous = Int64.max
        generations: for generation in 0..<keep {
            var done = false
            Self.forEachLineBackward(recordsPath(id, generation: generation)) { line in
                // A line still being written does not decode yet; the next read has it.
                guard let record = LogRecord.decodeLine(line, fallback: decoder) else { return true }
                if record.number <= after || (since.map { record.timestamp < $0 } ?? false) {
                    done = true
                    return false
                }
                guard record.number < previous else { return true }
                previous = record.number
                newestFirst.append(record)
                if !oldest, newestFirst.count == limit {
                    done = true
                    return false
                }
                // Reading for the oldest: what is newer than the `limit` oldest is not needed.
                if oldest, newestFirst.count >= 2 * limit { newestFirst.removeFirst(newestFirst.count - limit) }
                return true
            }
            if done { break generations }
        }
        return Array(newestFirst.suffix(limit).reversed())
    }

    /// The oldest `limit` records past the cursor: each file, oldest first, is searched for
    /// its first matching line by bisection (numbers and times only grow along the files),
    /// then read forward from there, so a read from any point costs about `limit` lines.
    func recordsForward(_ id: String, after: Int64, since: Int64?, limit: Int) -> [LogRecord] {
        let decoder = JSONDecoder()
        let matches = { (record: LogRecord) in record.number > after && record.timestamp >= since ?? Int64.min }
        var result: [LogRecord] = []
        var previous = after
        for generation in stride(from: keep - 1, through: 0, by: -1) {
            let path = recordsPath(id, generation: generation)
            guard let start = Self.firstOffset(path, where: matches, decoder: decoder) else { continue }
            Self.forEachLineForward(path, from: start) { line in
                guard let record = LogRecord.decodeLine(line, fallback: decoder) else { return true }
                // A record out of order (a rotation moved the files meanwhile) was seen already.
                guard matches(record), record.number > previous else { return true }
                previous = record.number
                result.append(record)
                return result.count < limit
            }
            if result.count >= limit { break }
        }
        return result
    }

    /// The offset of the first line of the file for which `matches` holds, given that it
    /// holds for every line after it too; nil when it holds for none (or there is no file).
    static func firstOffset(_ path: String, where matches: (LogRecord) -> Bool, decoder: JSONDecoder, window: Int64 = 64 << 10) -> Int64? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { return nil }
        // The record of the whole line that starts at the first line start at or after `offset`,
        // and where that line starts and ends.
        func line(after offset: Int64) -> (start: Int64, end: Int64, record: LogRecord?)? {
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            guard count > 0 else { return nil }
            let bytes = buffer[0..<count]
            let begin = offset == 0 ? 0 : (bytes.firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? count)
            guard begin < count, let newline = bytes[begin...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            return (offset + Int64(begin), offset + Int64(newline) + 1, LogRecord.decodeLine(bytes[begin..<newline], fallback: decoder))
        }
        // `low` is a line start where no earlier line matches; somewhere past `high` one does.
        var low: Int64 = 0
        var high = Int64(info.st_size)
        while high - low > window {
            let middle = low + (high - low) / 2
            guard let probe = line(after: middle), probe.start < high else {
                high = middle
                continue
            }
            if let record = probe.record, matches(record) {
                high = probe.start
            } else {
                low = probe.end
            }
        }
        // The last stretch: the first matching line at or after `low`.
        var found: Int64?
        var offset = low
        forEachLineForward(path, from: low) { bytes in
            defer { offset += Int64(bytes.count) + 1 }
            guard let record = LogRecord.decodeLine(bytes, fallback: decoder), matches(record) else { return true }
            found = offset
            return false
        }
        return found
    }

    /// Calls `body` with each complete line from `offset` (a line start) on, until it
    /// returns false or the file ends.
    static func forEachLineForward(_ path: String, from offset: Int64, chunk: Int = 256 << 10, _ body: (ArraySlice<UInt8>) -> Bool) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var position = offset
        var carry: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(position)) }
            guard count > 0 else { return }
            position += Int64(count)
            let bytes = carry + buffer[0..<count]
            var start = 0
            while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
                if newline > start, !body(bytes[start..<newline]) { return }
                if newline == start, !body(bytes[start..<start]) { return }
                start = newline + 1
            }
            carry = Array(bytes[start...])
        }
    }

    /// The number of the newest record collected for a machine (0: none).
    public func newestNumber(_ id: String) -> Int64 { readOffset(id).next - 1 }

    /// Calls `body` with each line of the file, last first, until it returns false. Reads
    /// backwards in chunks, so stopping early reads little.
    static func forEachLineBackward(_ path: String, chunk: Int = 256 << 10, _ body: ([UInt8]) -> Bool) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return }
        var end = Int64(info.st_size)
        // The start of the chunk read before: a line whose beginning is in the next chunk back.
        var carry: [UInt8] = []
        while end > 0 {
            let start = max(0, end - Int64(chunk))
            var buffer = [UInt8](repeating: 0, count: Int(end - start))
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(start)) }
            guard count == buffer.count else { return }
            buffer += carry
            var lineEnd = buffer.count
            var index = buffer.count - 1
            while index >= 0 {
                if buffer[index] == UInt8(ascii: "\n") {
                    if lineEnd > index + 1, !body(Array(buffer[(index + 1)..<lineEnd])) { return }
                    lineEnd = index
                }
                index -= 1
            }
            carry = Array(buffer[0..<lineEnd])
            end = start
        }
        if !carry.isEmpty { _ = body(carry) }
    }
}

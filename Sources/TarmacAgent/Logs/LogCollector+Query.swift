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
        let decoder = JSONDecoder()
        var newestFirst: [LogRecord] = []
        // Numbers only fall going back; a record out of that order (a rotation while reading
        // moved a file under us) is one already seen.
        var previous = Int64.max
        generations: for generation in 0..<keep {
            var done = false
            Self.forEachLineBackward(recordsPath(id, generation: generation)) { line in
                // A line still being written does not decode yet; the next read has it.
                guard let record = try? decoder.decode(LogRecord.self, from: Data(line)) else { return true }
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

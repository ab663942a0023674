import Foundation

/// The exit-status file the shim writes when the container's init ends: JSON of
/// `ExitStatus`, written to a temporary file and renamed so readers never see half of it.
enum ExitFile {
    static func write(_ status: ExitStatus, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(status)
        let temporary = "\(path).tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw RuntimeError(.internalError, "cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw RuntimeError(.internalError, "cannot rename \(temporary) to \(path): \(String(cString: strerror(code)))")
        }
    }

    /// The recorded status, or nil when there is no (complete) file.
    static func read(_ path: String) -> ExitStatus? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return try? decoder.decode(ExitStatus.self, from: data)
    }
}

import Foundation

/// The exit-status file the shim writes when the container's init ends: JSON of
/// `ExitStatus` (written by `TarmacShimCore.ShimExit`, atomically), `exitedAt` in
/// milliseconds since 1970.
enum ExitFile {
    /// The recorded status, or nil when there is no (complete) file.
    static func read(_ path: String) -> ExitStatus? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return try? decoder.decode(ExitStatus.self, from: data)
    }
}

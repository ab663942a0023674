import Foundation

/// Locations of the package and of the `tarmac` binary the suite drives.
enum TestPaths {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `.build/debug/tarmac`, built by `swift build` before the tests run.
    static var tarmac: String {
        get throws {
            let candidates = ["debug", "release"].map { packageRoot.appendingPathComponent(".build/\($0)/tarmac").path }
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw FixtureError("the tarmac binary is missing: run `swift build` before `swift test` (looked in \(candidates))")
            }
            return found
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

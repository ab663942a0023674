import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A machine's own HTTP server: "started" means its process runs, not that it listens yet,
/// so a fetch is retried (every 100 ms, for up to 5 s) until it answers.
enum HTTPFetch {
    static func text(_ url: String) async throws -> String {
        guard let target = URL(string: url) else { throw FixtureError("bad URL \(url)") }
        var lastError: (any Error)?
        for _ in 0..<50 {
            do {
                let (data, _) = try await URLSession.shared.data(from: target)
                return String(decoding: data, as: UTF8.self)
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw FixtureError("could not fetch \(url): \(String(describing: lastError))")
    }
}

import Foundation

/// Runs blocking work (file hashing, child processes) on a dispatch thread so it does not
/// occupy one of the few cooperative threads; the caller awaits the result.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}

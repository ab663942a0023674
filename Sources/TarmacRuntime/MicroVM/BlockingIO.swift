import Foundation

/// Runs blocking work (socket reads with poll timeouts, waits on processes) on a dispatch
/// thread so it does not occupy one of the few cooperative threads.
enum BlockingIO {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}

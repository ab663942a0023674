import TarmacClient
import TarmacModel

/// Waits for a machine to reach one of some states for up to any duration, by chaining
/// the server's long polls (each at most 60 s), with progress on stderr.
struct MachineWaiter {
    var client: TarmacClient
    var app: String
    var progress = Progress()
    var clock = ContinuousClock()

    /// The longest single `wait` the server accepts.
    static let maximumPollSeconds = 60

    /// Seconds for the next poll given the time left, or nil when the deadline passed.
    static func nextPollSeconds(remaining: Duration) -> Int? {
        guard remaining > .zero else { return nil }
        let (seconds, attoseconds) = remaining.components
        let rounded = Int(seconds) + (attoseconds > 0 ? 1 : 0)
        return min(maximumPollSeconds, max(1, rounded))
    }

    /// Waits until machine `id` is in one of `states`; throws ``CLIError`` with the
    /// timeout exit code when `timeout` passes first (with the server's last message).
    /// The wait that succeeded: the decoded answer and the server's raw JSON.
    struct Outcome {
        var response: WaitResponse
        var raw: APIResponse
        var state: String { response.state }
    }

    func wait(id: String, states: [String], timeout: Duration, version: String? = nil, message: String) async throws -> Outcome {
        let start = clock.now
        let deadline = start + timeout
        let response = try await progress.run(message) {
            var lastError: ClientError?
            while let seconds = Self.nextPollSeconds(remaining: deadline - clock.now) {
                do {
                    let raw = try await client.send(.waitForMachine(
                        app: app, id: id, options: WaitOptions(states: states, timeoutSeconds: seconds, version: version)))
                    return Outcome(response: try raw.decode(WaitResponse.self), raw: raw)
                } catch let error as ClientError where error.httpStatus == 408 {
                    lastError = error
                }
            }
            let detail = lastError.map { ": \($0.message)" } ?? ""
            throw CLIError(
                message: "timed out after \(Self.describe(timeout)) waiting for machine \(id) to reach \(states.joined(separator: " or "))\(detail)",
                exitCode: CLIError.timedOut)
        }
        progress.finish("machine \(id) is \(response.state)", since: start)
        return response
    }

    static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return GoDuration(nanoseconds: seconds * 1_000_000_000 + attoseconds / 1_000_000_000).description
    }
}

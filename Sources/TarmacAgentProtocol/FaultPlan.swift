import Foundation
import Synchronization

/// Fault injection for the fault tests, in the spirit of FoundationDB's "buggify": points
/// in the control plane and the agent where a test can make the process die or a reply get
/// lost, so recovery is exercised against the real code. Off unless `TARMAC_FAULTS` is set,
/// e.g. `TARMAC_FAULTS="drop-reply=0.3,crash-after-write=0.02,crash-in-apply=0.02"`.
public struct FaultPlan: Sendable, Hashable {
    public enum Point: String, Sendable, Hashable, CaseIterable {
        /// The control plane wrote the desired machine and has not called the agent yet:
        /// the process is killed (SIGKILL).
        case afterDesiredWrite = "crash-after-write"
        /// The agent applied a spec durably and has not replied yet: the process is killed.
        case agentApplied = "crash-in-apply"
        /// The agent applied a create, update or command, and its reply is lost on the way
        /// back (the control plane sees an unreachable agent).
        case dropReply = "drop-reply"
    }

    /// Probability (0…1) per point.
    public var probabilities: [Point: Double] = [:]

    public init() {}

    /// Parses `name=probability` pairs separated by commas; throws naming a bad entry.
    public init(parsing text: String) throws {
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard let point = Point(rawValue: parts[0]) else {
                let known = Point.allCases.map(\.rawValue).joined(separator: ", ")
                throw FaultPlanError(description: "TARMAC_FAULTS: unknown fault \"\(parts[0])\" (known: \(known))")
            }
            guard parts.count == 2, let probability = Double(parts[1]), (0...1).contains(probability) else {
                throw FaultPlanError(description: "TARMAC_FAULTS: \"\(entry)\" needs a probability between 0 and 1, e.g. \(point.rawValue)=0.1")
            }
            probabilities[point] = probability
        }
    }

    /// The plan in the environment's `TARMAC_FAULTS`, or none.
    public static func fromEnvironment() throws -> FaultPlan {
        guard let text = ProcessInfo.processInfo.environment["TARMAC_FAULTS"], !text.isEmpty else { return FaultPlan() }
        return try FaultPlan(parsing: text)
    }

    public var isEmpty: Bool { probabilities.values.allSatisfy { $0 == 0 } }
}

public struct FaultPlanError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Decides, at each fault point, whether the fault happens.
public struct FaultInjector: Sendable {
    public let plan: FaultPlan

    public init(plan: FaultPlan) { self.plan = plan }

    /// Whether the fault at `point` fires this time.
    public func fires(_ point: FaultPlan.Point) -> Bool {
        guard let probability = plan.probabilities[point], probability > 0 else { return false }
        return Double.random(in: 0..<1) < probability
    }

    /// At a crash point: kills this process (as `kill -9` would) when the fault fires.
    public func reach(_ point: FaultPlan.Point) async throws {
        guard fires(point) else { return }
        FileHandle.standardError.write(Data("tarmac: fault injection: \(point.rawValue), killing the process\n".utf8))
        kill(getpid(), SIGKILL)
        // SIGKILL is not delivered synchronously; never go on past a crash point.
        try await Task.sleep(for: .seconds(3600))
    }
}

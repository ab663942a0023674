import Foundation
import HTTPTypes

/// The agent wire's protocol version, carried on every request and every response in the
/// `tarmac-agent-protocol` header as `<major>` or `<major>.<minor>`. Sides with the same
/// major version understand each other; a minor bump only adds optional fields or routes.
public enum AgentWireVersion {
    public static let major = 1
    public static let minor = 0

    /// The header's value this build sends.
    public static var current: String { "\(major).\(minor)" }

    public static let headerName = "tarmac-agent-protocol"
    /// The header as a field name (a valid token, so never nil).
    static var field: HTTPField.Name? { HTTPField.Name(headerName) }

    /// What a peer's header says about talking to it.
    public enum Check: Sendable, Hashable {
        case compatible
        /// No header: an older agent or control plane, or not a Tarmac agent at all.
        case missing
        /// A header that is not `<major>[.<minor>]`.
        case malformed(String)
        /// A different major version.
        case incompatible(major: Int)
    }

    /// Checks the value of a peer's header (nil when absent).
    public static func check(_ value: String?) -> Check {
        guard let value else { return .missing }
        let parts = value.trimmingCharacters(in: .whitespaces).split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let peerMajor = Int(parts[0]), parts.dropFirst().allSatisfy({ Int($0) != nil }) else {
            return .malformed(value)
        }
        return peerMajor == major ? .compatible : .incompatible(major: peerMajor)
    }
}

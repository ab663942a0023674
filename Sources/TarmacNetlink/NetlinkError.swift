#if canImport(Glibc)
import Glibc
#endif

/// The netlink module's one error type: what was asked and the kernel's errno.
public struct NetlinkError: Error, Sendable, CustomStringConvertible {
    public let what: String
    /// The errno the kernel (or the socket call) answered; 0 when the answer was malformed.
    public let code: Int32

    public init(_ what: String, code: Int32) {
        self.what = what
        self.code = code
    }

    public var description: String {
        code == 0 ? "netlink: cannot \(what)" : "netlink: cannot \(what): \(String(cString: strerror(code)))"
    }
}

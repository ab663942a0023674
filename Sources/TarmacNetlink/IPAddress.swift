#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address in network byte order, as netlink carries it.
public struct IPAddress: Sendable, CustomStringConvertible {
    public let family: UInt8
    public let bytes: [UInt8]
    public let description: String

    public init?(_ text: String) {
        var buffer = [UInt8](repeating: 0, count: 16)
        if buffer.withUnsafeMutableBytes({ inet_pton(AF_INET, text, $0.baseAddress) }) == 1 {
            family = UInt8(AF_INET)
            bytes = Array(buffer.prefix(4))
        } else if buffer.withUnsafeMutableBytes({ inet_pton(AF_INET6, text, $0.baseAddress) }) == 1 {
            family = UInt8(AF_INET6)
            bytes = buffer
        } else {
            return nil
        }
        description = text
    }
}

/// The shared secret a control plane presents to its agent (`authorization: Bearer <token>`).
/// Its description never shows the secret, so it can be logged by accident without harm.
public struct AgentToken: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    /// 32 bytes from the system's CSPRNG (`getrandom` on Linux), hex-encoded.
    public static func random() -> AgentToken {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        var text = ""
        for _ in 0..<32 {
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return AgentToken(text)
    }

    /// Compares a presented secret with this one in time that depends only on the lengths,
    /// never on where the first differing byte is.
    public func matches(_ presented: String) -> Bool {
        let expected = Array(value.utf8)
        let given = Array(presented.utf8)
        var difference = UInt64(truncatingIfNeeded: expected.count ^ given.count)
        for index in 0..<expected.count {
            let other: UInt8 = index < given.count ? given[index] : 0
            difference |= UInt64(expected[index] ^ other)
        }
        return difference == 0 && !expected.isEmpty
    }

    public var description: String { "AgentToken(redacted)" }
}

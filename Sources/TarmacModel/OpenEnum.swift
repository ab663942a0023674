/// A string-valued enumeration of the wire that keeps values it does not know.
///
/// Decoding never fails on an unknown value, so a stored config written by an older or
/// newer server still loads; ``ConfigValidation`` refuses unknown values on create and
/// update, naming the field. Conformers declare `rawValue`, `init(rawValue:)`, their
/// known values as static constants and list them in ``knownValues``.
public protocol OpenEnum: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral, CustomStringConvertible
where RawValue == String, StringLiteralType == String {
    init(rawValue: String)
    /// The values the Machines API documents, in the order error messages list them.
    static var knownValues: [Self] { get }
}

extension OpenEnum {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }
    public var isKnown: Bool { Self.knownValues.contains(self) }

    /// `"tcp" or "udp"`, `"a", "b" or "c"`: the known values for an error message.
    static var knownList: String {
        let quoted = knownValues.map { "\"\($0.rawValue)\"" }
        guard let last = quoted.last else { return "" }
        return quoted.count == 1 ? last : quoted.dropLast().joined(separator: ", ") + " or " + last
    }
}

/// Body and answer of `…/metadata/{key}`: `{"value": "..."}`.
public struct MetadataValue: Sendable, Hashable, Codable {
    public var value: String

    public init(value: String) { self.value = value }
}

/// Body of `PUT`/`PATCH …/metadata`: a nil value deletes the key.
///
/// Defined here because `TarmacModel.MetadataUpdateRequest` has no public initialiser.
public struct MetadataUpdate: Sendable, Hashable, Encodable {
    public var metadata: [String: String?]
    /// Expected current `instance_id`; the server answers 412 when it differs.
    public var machineVersion: String?

    public init(metadata: [String: String?], machineVersion: String? = nil) {
        self.metadata = metadata
        self.machineVersion = machineVersion
    }

    enum CodingKeys: String, CodingKey {
        case metadata
        case machineVersion = "machine_version"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        // Encode nil values as explicit JSON nulls (the server deletes those keys).
        var values = container.nestedContainer(keyedBy: DynamicKey.self, forKey: .metadata)
        for key in metadata.keys.sorted() {
            let dynamicKey = DynamicKey(key)
            if let value = metadata[key] ?? nil {
                try values.encode(value, forKey: dynamicKey)
            } else {
                try values.encodeNil(forKey: dynamicKey)
            }
        }
        try container.encodeIfPresent(machineVersion, forKey: .machineVersion)
    }

    struct DynamicKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { self.stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

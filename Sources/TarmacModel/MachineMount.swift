/// One entry of `config.mounts`: a volume attached at `path` inside the machine, with
/// optional auto-extension (grow by `add_size_gb` or `add_size_percent`, at least
/// `min_add_size_gb`, when usage passes `extend_threshold_percent`, up to `size_gb_limit`).
public struct MachineMount: Sendable, Hashable, Codable {
    /// The volume ID (`vol_…`).
    public var volume: String?
    /// Absolute mount point inside the machine; required.
    public var path: String?
    public var name: String?
    public var sizeGB: Int?
    public var encrypted: Bool?
    public var extendThresholdPercent: Int?
    public var addSizeGB: Int?
    public var addSizePercent: Int?
    public var minAddSizeGB: Int?
    public var sizeGBLimit: Int?

    public init(
        volume: String? = nil, path: String? = nil, name: String? = nil, sizeGB: Int? = nil, encrypted: Bool? = nil,
        extendThresholdPercent: Int? = nil, addSizeGB: Int? = nil, addSizePercent: Int? = nil,
        minAddSizeGB: Int? = nil, sizeGBLimit: Int? = nil
    ) {
        self.volume = volume
        self.path = path
        self.name = name
        self.sizeGB = sizeGB
        self.encrypted = encrypted
        self.extendThresholdPercent = extendThresholdPercent
        self.addSizeGB = addSizeGB
        self.addSizePercent = addSizePercent
        self.minAddSizeGB = minAddSizeGB
        self.sizeGBLimit = sizeGBLimit
    }

    enum CodingKeys: String, CodingKey {
        case volume, path, name, encrypted
        case sizeGB = "size_gb"
        case extendThresholdPercent = "extend_threshold_percent"
        case addSizeGB = "add_size_gb"
        case addSizePercent = "add_size_percent"
        case minAddSizeGB = "min_add_size_gb"
        case sizeGBLimit = "size_gb_limit"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        volume = try container.decodeIfPresent(String.self, forKey: .volume)
        path = try container.decodeIfPresent(String.self, forKey: .path)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        sizeGB = try container.decodeLenientInt(forKey: .sizeGB)
        encrypted = try container.decodeIfPresent(Bool.self, forKey: .encrypted)
        extendThresholdPercent = try container.decodeLenientInt(forKey: .extendThresholdPercent)
        addSizeGB = try container.decodeLenientInt(forKey: .addSizeGB)
        addSizePercent = try container.decodeLenientInt(forKey: .addSizePercent)
        minAddSizeGB = try container.decodeLenientInt(forKey: .minAddSizeGB)
        sizeGBLimit = try container.decodeLenientInt(forKey: .sizeGBLimit)
    }
}

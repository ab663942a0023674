/// `image_ref` of a Machine: which image (by digest) the machine runs.
public struct ImageRef: Sendable, Hashable, Codable {
    public var registry: String
    public var repository: String
    public var tag: String
    public var digest: String
    public var labels: [String: String]

    public init(registry: String, repository: String, tag: String, digest: String, labels: [String: String]) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
        self.labels = labels
    }
}

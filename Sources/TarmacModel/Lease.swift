/// The lease envelope clients parse: `{"status":"success","data":{nonce, expires_at, owner, description, version}}`.
public struct LeaseEnvelope: Sendable, Hashable, Codable {
    public var status: String
    public var data: LeaseData?
    public var message: String?
    public var code: String?

    public init(data: LeaseData) {
        self.status = "success"
        self.data = data
    }

    public struct LeaseData: Sendable, Hashable, Codable {
        public var nonce: String
        /// Unix seconds.
        public var expiresAt: Int64
        public var owner: String
        public var description: String
        public var version: String

        public init(nonce: String, expiresAt: Int64, owner: String, description: String, version: String) {
            self.nonce = nonce
            self.expiresAt = expiresAt
            self.owner = owner
            self.description = description
            self.version = version
        }

        enum CodingKeys: String, CodingKey {
            case nonce, owner, description, version
            case expiresAt = "expires_at"
        }
    }
}

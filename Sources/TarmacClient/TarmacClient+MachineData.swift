import TarmacModel

extension TarmacClient {
    /// The lease currently held on a machine; 404 (`lease not found`) when none is.
    public func getLease(app: String, id: String) async throws -> LeaseEnvelope {
        try await send(.getLease(app: app, id: id), as: LeaseEnvelope.self)
    }

    /// Acquires a lease, or refreshes the one identified by `nonce`.
    public func acquireLease(app: String, id: String, ttlSeconds: Int? = nil, description: String? = nil, nonce: String? = nil) async throws -> LeaseEnvelope {
        try await send(.acquireLease(app: app, id: id, ttlSeconds: ttlSeconds, description: description, nonce: nonce), as: LeaseEnvelope.self)
    }

    public func releaseLease(app: String, id: String, nonce: String) async throws {
        _ = try await send(.releaseLease(app: app, id: id, nonce: nonce))
    }

    public func getMetadata(app: String, id: String) async throws -> [String: String] {
        try await send(.getMetadata(app: app, id: id), as: [String: String].self)
    }

    /// Replaces all metadata (`PUT`).
    public func replaceMetadata(app: String, id: String, _ update: MetadataUpdate, nonce: String? = nil) async throws {
        _ = try await send(.replaceMetadata(app: app, id: id, update, nonce: nonce))
    }

    /// Merges metadata (`PATCH`); nil values delete keys.
    public func patchMetadata(app: String, id: String, _ update: MetadataUpdate, nonce: String? = nil) async throws {
        _ = try await send(.patchMetadata(app: app, id: id, update, nonce: nonce))
    }

    public func getMetadataValue(app: String, id: String, key: String) async throws -> String {
        try await send(.getMetadataValue(app: app, id: id, key: key), as: MetadataValue.self).value
    }

    public func setMetadataValue(app: String, id: String, key: String, value: String, nonce: String? = nil) async throws {
        _ = try await send(.setMetadataValue(app: app, id: id, key: key, value: value, nonce: nonce))
    }

    public func deleteMetadataValue(app: String, id: String, key: String, nonce: String? = nil) async throws {
        _ = try await send(.deleteMetadataValue(app: app, id: id, key: key, nonce: nonce))
    }
}

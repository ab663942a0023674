import Foundation
import TarmacModel
import TarmacStore

extension Control {
    public func metadata(app: String, id: String) async throws -> [String: String] {
        try await machineRecord(app: app, id: id).config.metadata ?? [:]
    }

    public func metadataValue(app: String, id: String, key: String) async throws -> String {
        guard let value = try await metadata(app: app, id: id)[key] else {
            throw ControlError(.notFound, "metadata key \"\(key)\" not found")
        }
        return value
    }

    /// Merges `changes` into the metadata; nil or empty values delete keys.
    public func updateMetadata(app: String, id: String, changes: [String: String?], machineVersion: String?, nonce: String?) async throws {
        var record = try await mutableRecord(app: app, id: id, nonce: nonce)
        if let machineVersion, !machineVersion.isEmpty, machineVersion != record.instanceID {
            throw ControlError(.preconditionFailed, "machine_version \(machineVersion) does not match the machine's current version \(record.instanceID)")
        }
        for key in changes.keys where key.isEmpty {
            throw ControlError(.badRequest, "metadata keys must not be empty")
        }
        var metadata = record.config.metadata ?? [:]
        for (key, value) in changes {
            if let value, !value.isEmpty { metadata[key] = value } else { metadata[key] = nil }
        }
        record.config.metadata = metadata
        record.updatedAt = Date()
        try await store.updateMachine(record, newVersion: false, events: [])
    }
}

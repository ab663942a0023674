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
        _ = try await mutableRecord(app: app, id: id, nonce: nonce)
        for key in changes.keys where key.isEmpty {
            throw ControlError(.badRequest, "metadata keys must not be empty")
        }
        let now = Date()
        try await store.modifyMachine(id: id, newVersion: false, events: []) { machine in
            if let machineVersion, !machineVersion.isEmpty, machineVersion != machine.instanceID {
                throw ControlError(.preconditionFailed, "machine_version \(machineVersion) does not match the machine's current version \(machine.instanceID)")
            }
            var metadata = machine.config.metadata ?? [:]
            for (key, value) in changes {
                if let value, !value.isEmpty { metadata[key] = value } else { metadata[key] = nil }
            }
            machine.config.metadata = metadata
            machine.updatedAt = now
        }
    }
}

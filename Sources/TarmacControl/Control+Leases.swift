import Foundation
import TarmacModel
import TarmacStore

extension Control {
    public func lease(app: String, id: String) async throws -> LeaseEnvelope {
        let record = try await machineRecord(app: app, id: id)
        guard let lease = record.lease, lease.isActive(at: Date()) else { throw ControlError.leaseNotFound() }
        return envelope(lease, version: record.instanceID)
    }

    public func acquireLease(app: String, id: String, ttl: Int?, description: String?, nonce: String?) async throws -> LeaseEnvelope {
        let seconds = ttl ?? 30
        guard (1...86_400).contains(seconds) else {
            throw ControlError(.badRequest, "invalid_argument: ttl must be between 1 and 86400 seconds, got \(seconds)")
        }
        var record = try await machineRecord(app: app, id: id)
        let now = Date()
        let expiresAt = now.addingTimeInterval(Double(seconds))
        switch LeaseRules.acquire(lease: record.lease, nonce: nonce, now: now) {
        case .held(let owner, let until):
            throw ControlError(.conflict, "aborted: machine ID \(id) lease currently held by \(owner), expires at \(Timestamps.rfc3339(until))")
        case .refresh:
            record.lease?.expiresAt = expiresAt
            if let description { record.lease?.description = description }
        case .acquire:
            record.lease = LeaseRecord(nonce: Identifiers.leaseNonce(), owner: "admin", description: description ?? "", expiresAt: expiresAt)
        }
        try await store.updateMachine(record, newVersion: false, events: [])
        guard let lease = record.lease else { throw ControlError.leaseNotFound() }
        return envelope(lease, version: record.instanceID)
    }

    public func releaseLease(app: String, id: String, nonce: String?) async throws {
        var record = try await machineRecord(app: app, id: id)
        switch LeaseRules.release(lease: record.lease, nonce: nonce, now: Date()) {
        case .missingNonce:
            throw ControlError(.badRequest, "invalid_argument: the fly-machine-lease-nonce header is required to release a lease")
        case .notFound:
            throw ControlError.leaseNotFound()
        case .wrongNonce:
            throw ControlError(.conflict, "aborted: the lease nonce does not match the lease held on machine \(id)")
        case .release:
            record.lease = nil
            try await store.updateMachine(record, newVersion: false, events: [])
        }
    }

    private func envelope(_ lease: LeaseRecord, version: String) -> LeaseEnvelope {
        LeaseEnvelope(data: .init(nonce: lease.nonce, expiresAt: Int64(lease.expiresAt.timeIntervalSince1970), owner: lease.owner, description: lease.description, version: version))
    }
}

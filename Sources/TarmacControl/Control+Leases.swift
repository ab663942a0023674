import Foundation
import TarmacModel
import TarmacStore

extension Control {
    public func lease(app: String, id: String) async throws -> LeaseEnvelope {
        let record = try await machineRecord(app: app, id: id)
        guard let lease = record.lease, lease.isActive(at: Date()) else { throw ControlError.leaseNotFound() }
        return envelope(lease, version: record.instanceID)
    }

    /// Acquires (or, with the holder's nonce, refreshes) a lease. The decision and the write
    /// happen in one transaction, so two racing acquires never both succeed.
    public func acquireLease(app: String, id: String, ttl: Int?, description: String?, nonce: String?) async throws -> LeaseEnvelope {
        let seconds = ttl ?? 30
        guard (1...86_400).contains(seconds) else {
            throw ControlError(.badRequest, "invalid_argument: ttl must be between 1 and 86400 seconds, got \(seconds)")
        }
        let current = try await machineRecord(app: app, id: id)
        if current.destroyedAt != nil { throw ControlError(.conflict, "failed_precondition: machine \(id) is destroyed") }
        let now = Date()
        let expiresAt = now.addingTimeInterval(Double(seconds))
        let newNonce = Identifiers.leaseNonce()
        let record = try await store.modifyMachine(id: id, newVersion: false, events: []) { machine in
            switch LeaseRules.acquire(lease: machine.lease, nonce: nonce, now: now) {
            case .held(let owner, let until):
                throw ControlError(.conflict, "aborted: machine ID \(id) lease currently held by \(owner), expires at \(Timestamps.rfc3339(until))")
            case .refresh:
                machine.lease?.expiresAt = expiresAt
                if let description { machine.lease?.description = description }
            case .acquire:
                machine.lease = LeaseRecord(nonce: newNonce, owner: "admin", description: description ?? "", expiresAt: expiresAt)
            }
        }
        guard let lease = record.lease else { throw ControlError.leaseNotFound() }
        return envelope(lease, version: record.instanceID)
    }

    public func releaseLease(app: String, id: String, nonce: String?) async throws {
        _ = try await machineRecord(app: app, id: id)
        let now = Date()
        try await store.modifyMachine(id: id, newVersion: false, events: []) { machine in
            switch LeaseRules.release(lease: machine.lease, nonce: nonce, now: now) {
            case .missingNonce:
                throw ControlError(.badRequest, "invalid_argument: the fly-machine-lease-nonce header is required to release a lease")
            case .notFound:
                throw ControlError.leaseNotFound()
            case .wrongNonce:
                throw ControlError(.conflict, "aborted: the lease nonce does not match the lease held on machine \(id)")
            case .release:
                machine.lease = nil
            }
        }
    }

    private func envelope(_ lease: LeaseRecord, version: String) -> LeaseEnvelope {
        LeaseEnvelope(data: .init(nonce: lease.nonce, expiresAt: Int64(lease.expiresAt.timeIntervalSince1970), owner: lease.owner, description: lease.description, version: version))
    }
}

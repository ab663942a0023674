import Foundation
import TarmacStore

/// Lease decisions as pure functions: who may mutate a machine, acquire, refresh or release.
public enum LeaseRules {
    public enum Decision: Sendable, Equatable {
        case allowed
        case held(owner: String, expiresAt: Date)
    }

    /// A mutation is allowed when no lease is active or the caller presents its nonce.
    public static func mayMutate(lease: LeaseRecord?, nonce: String?, now: Date) -> Decision {
        guard let lease, lease.isActive(at: now) else { return .allowed }
        if let nonce, nonce == lease.nonce { return .allowed }
        return .held(owner: lease.owner, expiresAt: lease.expiresAt)
    }

    public enum AcquireDecision: Sendable, Equatable {
        /// A new lease with a new nonce.
        case acquire
        /// The caller's own lease, extended (same nonce).
        case refresh
        case held(owner: String, expiresAt: Date)
    }

    public static func acquire(lease: LeaseRecord?, nonce: String?, now: Date) -> AcquireDecision {
        guard let lease, lease.isActive(at: now) else { return .acquire }
        if let nonce, nonce == lease.nonce { return .refresh }
        return .held(owner: lease.owner, expiresAt: lease.expiresAt)
    }

    public enum ReleaseDecision: Sendable, Equatable {
        case release
        case notFound
        case missingNonce
        case wrongNonce
    }

    public static func release(lease: LeaseRecord?, nonce: String?, now: Date) -> ReleaseDecision {
        guard let nonce, !nonce.isEmpty else { return .missingNonce }
        guard let lease, lease.isActive(at: now) else { return .notFound }
        return nonce == lease.nonce ? .release : .wrongNonce
    }
}

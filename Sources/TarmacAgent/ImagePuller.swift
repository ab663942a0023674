import Foundation
import Logging
import Synchronization
import TarmacAgentProtocol
import TarmacImage
import TarmacModel

/// Pulls machine images in two steps, so a machine exists while its image downloads and the
/// download shows in the machine's events:
///
/// 1. ``resolve(_:)`` (machine create/update): the local store, else the registry's manifest
///    and config only — the digest and labels for `image_ref` are known, and a reference the
///    registry does not have fails the create with a clear error.
/// 2. ``image(for:emit:)`` (launch): downloads the layers, emitting `launch`/`pulling`
///    progress events at most once per `interval` and `launch`/`pulled` at the end. A failure
///    becomes the launch failure.
///
/// Pulls of one image share the store's per-image lock (``ImageStore/completePull(_:using:progress:)``),
/// so two machines launching the same new image download it once.
final class ImagePuller: Sendable {
    let images: ImageStore
    let registry: RegistryClient
    /// How often a pull reports progress at most. Default 1 s.
    let interval: Duration
    /// Images resolved at create but not pulled yet, by manifest digest.
    private let prepared = Mutex<[String: PendingPull]>([:])

    init(images: ImageStore, registry: RegistryClient, interval: Duration = .seconds(1)) {
        self.images = images
        self.registry = registry
        self.interval = interval
    }

    /// The `image_ref` for `reference`: from the store when it is there, else from the
    /// registry's manifest (layers are pulled at launch). Throws `ImageError`.
    func resolve(_ reference: String) async throws -> ImageRef {
        if let record = try? images.resolve(reference) { return record.imageRef() }
        let pending = try await images.preparePull(reference, using: registry)
        if let stored = try? images.resolve(pending.digest) {
            // Stored under another name already: the launch needs no pull.
            var ref = pending.imageRef
            ref.labels = stored.imageRef().labels
            return ref
        }
        prepared.withLock { $0[pending.digest] = pending }
        return pending.imageRef
    }

    /// Whether a machine with `ref` can launch here: its image is stored, or can be pulled.
    func canProvide(_ ref: ImageRef) -> Bool {
        if (try? images.resolve(ref.digest)) != nil { return true }
        return prepared.withLock { $0[ref.digest] != nil } || Self.pullReference(ref) != nil
    }

    /// The stored image for `ref`, pulled first when it is not in the store.
    func image(for ref: ImageRef, emit: @escaping @Sendable (MachineEvent) async -> Void) async throws -> ImageRecord {
        if let record = try? images.resolve(ref.digest) { return record }
        let pending: PendingPull
        if let known = prepared.withLock({ $0[ref.digest] }) {
            pending = known
        } else if let reference = Self.pullReference(ref) {
            // Resolved by an earlier agent (or before a restart): pull by digest.
            pending = try await images.preparePull(reference, using: registry)
        } else {
            throw AgentError(.imageNotFound, "image \(ref.digest) is not in this host's image store and names no registry to pull it from; import it again")
        }
        let progress = PullProgress(pending)
        if let first = progress.pullingEvent(force: true) { await emit(first) }
        let interval = self.interval
        let record = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    guard (try? await Task.sleep(for: interval)) != nil else { return }
                    if let event = progress.pullingEvent() { await emit(event) }
                }
            }
            do {
                let record = try await images.completePull(pending, using: registry, progress: progress.handler)
                group.cancelAll()
                return record
            } catch {
                group.cancelAll()
                throw error
            }
        }
        prepared.withLock { _ = $0.removeValue(forKey: ref.digest) }
        await emit(progress.pulledEvent())
        return record
    }

    /// `REGISTRY/REPOSITORY[:TAG]@DIGEST` for an `image_ref`; nil for a local-only image.
    static func pullReference(_ ref: ImageRef) -> String? {
        guard !ref.registry.isEmpty, !ref.repository.isEmpty, ImageReference.isValidDigest(ref.digest) else { return nil }
        let domain = ref.registry == "registry-1.docker.io" ? "docker.io" : ref.registry
        return "\(domain)/\(ref.repository)\(ref.tag.isEmpty ? "" : ":" + ref.tag)@\(ref.digest)"
    }
}

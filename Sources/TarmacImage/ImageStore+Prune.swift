import Foundation

extension ImageStore {
    /// What `prune()` freed.
    public struct PruneResult: Sendable, Hashable, Codable {
        /// Blobs, unpacked layers and stale staging items deleted.
        public var deletedItems: Int
        /// Bytes of blobs deleted (unpacked layers are not counted).
        public var reclaimedBlobBytes: Int64
    }

    /// Deletes blobs and unpacked layers no image uses (layers still mounted by a machine are
    /// kept) and staging leftovers older than a day.
    public func prune() async throws -> PruneResult {
        let store = self
        return try await Blocking.run {
            let before = store.blobBytes()
            let deleted = try store.collectGarbage()
            return PruneResult(deletedItems: deleted, reclaimedBlobBytes: max(0, before - store.blobBytes()))
        }
    }

    private func blobBytes() -> Int64 {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: blobsDirectory.path)) ?? []
        return names.reduce(into: Int64(0)) { total, name in
            let attributes = try? FileManager.default.attributesOfItem(atPath: blobsDirectory.appendingPathComponent(name).path)
            total += (attributes?[.size] as? Int64) ?? 0
        }
    }
}

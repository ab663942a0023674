import Foundation
import Logging

extension ImageStore {
    /// Records an image whose manifest, config and layers were staged (pulled or imported
    /// from a layout) and commits it; `action` names what happened in the log.
    func commitImage(
        _ staged: [StagedBlob], reference: String, manifest: StagedBlob, mediaType: String, config: StagedBlob,
        layers: [ImageRecord.Layer], configuration: OCIImageConfiguration, indexDigest: String? = nil, action: String
    ) async throws -> ImageRecord {
        let record = ImageRecord(
            reference: reference,
            digest: manifest.digest,
            mediaType: mediaType,
            configDigest: config.digest,
            layers: layers,
            config: configuration.config?.imageConfig ?? ImageConfig(),
            size: staged.reduce(0) { $0 + $1.size },
            created: Self.now(),
            indexDigest: indexDigest
        )
        let stored = try await commit(staged, record: record)
        logger.info("image store: image committed", metadata: ["action": "\(action)", "image": "\(stored.reference)", "digest": "\(stored.digest)"])
        return stored
    }

    /// Moves staged blobs into `blobs/` and points the record's name at them, all under the
    /// store lock, so a concurrent `remove` can never delete a blob between the two steps.
    /// Returns the record as stored (a re-import of the same digest keeps its `created`).
    func commit(_ blobs: [StagedBlob], record: ImageRecord) async throws -> ImageRecord {
        let store = self
        return try await Blocking.run {
            try StoreLock.withExclusiveLock(store.lockURL) {
                try store.prepare()
                for blob in blobs {
                    let destination = try store.blobURL(blob.digest)
                    if FileSystem.kind(destination.path) == .regular {
                        store.removeQuietly(blob.url)
                    } else {
                        try FileSystem.replace(destination.path, with: blob.url.path)
                    }
                }
                FileSystem.syncDirectory(store.blobsDirectory.path)
                var refs = try RefsFile.read(store.refsURL)
                var stored = record
                if let previous = refs.images[record.reference], previous.digest == record.digest {
                    stored.created = previous.created
                }
                let replaced = refs.images[record.reference]
                refs.images[record.reference] = stored
                try refs.write(store.refsURL, scratch: store.temporaryDirectory)
                if let replaced, replaced.digest != record.digest {
                    store.logger.info("image store: name moved to a new digest", metadata: [
                        "image": "\(record.reference)", "old_digest": "\(replaced.digest)", "digest": "\(record.digest)",
                    ])
                    try store.deleteUnreferenced(of: replaced, keeping: refs)
                }
                return stored
            }
        }
    }
}

import Foundation
import Logging
import TarmacModel

extension ImageStore {
    /// Every stored image, sorted by name.
    public func list() throws -> [ImageRecord] {
        try RefsFile.read(refsURL).images.values.sorted { $0.reference < $1.reference }
    }

    /// The image a machine's `image` names: `web:v1`, `docker.io/library/web:v1`,
    /// `web@sha256:…`, `sha256:…` (a prefix of at least 12 hex digits is enough) or a bare
    /// 64-digit hex digest. Throws `notFound` when the store has no such image.
    public func resolve(_ reference: String) throws -> ImageRecord {
        let records = try list()
        let matches = try Self.matching(reference, in: records)
        guard let first = matches.first else { throw notFound(reference, among: records) }
        return first
    }

    /// Removes a name (or, for a digest, the one name pointing at it) and deletes the blobs
    /// and unpacked layers no other name uses. Returns the removed record.
    @discardableResult
    public func remove(_ reference: String) throws -> ImageRecord {
        try prepare()
        return try StoreLock.withExclusiveLock(lockURL) {
            var refs = try RefsFile.read(refsURL)
            let records = refs.images.values.sorted { $0.reference < $1.reference }
            let matches = try Self.matching(reference, in: records)
            guard let removed = matches.first else { throw notFound(reference, among: records) }
            guard matches.count == 1 else {
                let names = matches.map(\.reference).joined(separator: ", ")
                throw ImageError(.ambiguous, "\(reference) is used by several names (\(names)); remove them one at a time by NAME:TAG")
            }
            refs.images[removed.reference] = nil
            try refs.write(refsURL, scratch: temporaryDirectory)
            logger.info("image store: removed image", metadata: ["image": "\(removed.reference)", "digest": "\(removed.digest)"])
            try deleteUnreferenced(of: removed, keeping: refs)
            return removed
        }
    }

    /// Records in `records` that `text` names; several only when a digest is used by several names.
    static func matching(_ text: String, in records: [ImageRecord]) throws -> [ImageRecord] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let hex = digestPrefix(trimmed) {
            let found = records.filter { $0.digest.hasPrefix("sha256:" + hex) }
            guard Set(found.map(\.digest)).count <= 1 else {
                throw ImageError(.ambiguous, "digest prefix \(trimmed) matches several images; give more digits")
            }
            return found
        }
        let wanted = try parseReference(trimmed)
        if let digest = wanted.digest {
            return records.filter { record in
                guard record.digest == digest || record.indexDigest == digest, let stored = record.parsedReference else { return false }
                return stored.repository == wanted.repository && (wanted.tag == nil || stored.tag == wanted.tag)
            }
        }
        return records.filter { $0.reference == wanted.description }
    }

    /// The hex digits of `text` when it is a digest (`sha256:` + 12–64 hex digits, or exactly
    /// 64 bare hex digits), nil when it is a name.
    static func digestPrefix(_ text: String) -> String? {
        func isHex(_ value: Substring) -> Bool { value.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) } }
        if text.hasPrefix("sha256:") {
            let hex = text.dropFirst("sha256:".count)
            return (12...64).contains(hex.count) && isHex(hex) ? String(hex) : nil
        }
        return text.count == 64 && isHex(Substring(text)) ? text : nil
    }

    func notFound(_ reference: String, among records: [ImageRecord]) -> ImageError {
        var message = "image \"\(reference)\" is not in the local image store (\(root.path))"
        if let wanted = try? Self.parseReference(reference) {
            let tags = records.compactMap(\.parsedReference).filter { $0.repository == wanted.repository }.compactMap(\.tag)
            if !tags.isEmpty {
                message += "; \(wanted.familiar.split(separator: ":").first ?? "") has tags: \(tags.joined(separator: ", "))"
            }
        }
        message += "; import it with `tarmac image import DIR NAME:TAG` or `tarmac image import --oci-layout PATH`, and see what is stored with `tarmac image ls`"
        return ImageError(.notFound, message)
    }

    /// Deletes the blobs and unpacked layers of `removed` that no record in `refs` uses.
    /// Called with the store lock held. Layer directories mounted somewhere (a running
    /// machine's lower dir) are kept; `collectGarbage()` reclaims them later.
    func deleteUnreferenced(of removed: ImageRecord, keeping refs: RefsFile) throws {
        var usedBlobs = Set<String>()
        var usedLayers = Set<String>()
        for record in refs.images.values {
            usedBlobs.insert(record.digest)
            usedBlobs.insert(record.configDigest)
            for layer in record.layers {
                usedBlobs.insert(layer.digest)
                usedLayers.insert(layer.diffID)
            }
        }
        let blobs = [removed.digest, removed.configDigest] + removed.layers.map(\.digest)
        for digest in Set(blobs).subtracting(usedBlobs) {
            try FileSystem.unlinkItem(try blobURL(digest).path)
        }
        for diffID in Set(removed.layers.map(\.diffID)).subtracting(usedLayers) {
            try deleteLayerDirectory(try layerURL(diffID: diffID))
        }
    }

    /// Moves a layer directory out of `layers/` first (so it is never seen half-deleted),
    /// then deletes it; keeps it when it is mounted.
    func deleteLayerDirectory(_ url: URL) throws {
        guard FileSystem.kind(url.path) == .directory else { return }
        guard !FileSystem.isMentionedInMounts(url.path) else {
            logger.info("image store: keeping layer that is mounted", metadata: ["path": "\(url.path)"])
            return
        }
        try FileSystem.makeDirectory(temporaryDirectory, mode: 0o700)
        let trash = temporaryDirectory.appendingPathComponent("trash-" + UUID().uuidString)
        try FileSystem.replace(trash.path, with: url.path)
        removeQuietly(trash)
    }

    /// Deletes blobs and unpacked layers no name uses, and staging leftovers older than a
    /// day (from crashed imports). Returns how many items were deleted.
    @discardableResult
    public func collectGarbage() throws -> Int {
        try prepare()
        return try StoreLock.withExclusiveLock(lockURL) {
            let refs = try RefsFile.read(refsURL)
            var usedBlobs = Set<String>()
            var usedLayers = Set<String>()
            for record in refs.images.values {
                usedBlobs.formUnion([record.digest, record.configDigest] + record.layers.map(\.digest))
                usedLayers.formUnion(record.layers.map(\.diffID))
            }
            let files = FileManager.default
            var deleted = 0
            for name in (try? files.contentsOfDirectory(atPath: blobsDirectory.path)) ?? [] where !usedBlobs.contains("sha256:" + name) {
                try FileSystem.unlinkItem(blobsDirectory.appendingPathComponent(name).path)
                deleted += 1
            }
            for name in (try? files.contentsOfDirectory(atPath: layersDirectory.path)) ?? [] where !usedLayers.contains("sha256:" + name) {
                let url = layersDirectory.appendingPathComponent(name)
                guard !FileSystem.isMentionedInMounts(url.path) else { continue }
                try deleteLayerDirectory(url)
                deleted += 1
            }
            // Pull lock files matter only while a pull holds them.
            for name in (try? files.contentsOfDirectory(atPath: locksDirectory.path)) ?? [] {
                PullLock.removeIfIdle(locksDirectory.appendingPathComponent(name))
            }
            let dayAgo = Date().addingTimeInterval(-86_400)
            for name in (try? files.contentsOfDirectory(atPath: temporaryDirectory.path)) ?? [] {
                let url = temporaryDirectory.appendingPathComponent(name)
                let modified = (try? files.attributesOfItem(atPath: url.path)[.modificationDate]) as? Date
                if let modified, modified < dayAgo {
                    removeQuietly(url)
                    deleted += 1
                }
            }
            return deleted
        }
    }
}

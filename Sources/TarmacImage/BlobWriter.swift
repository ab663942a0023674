import Foundation

/// Writes a staging file while hashing what it writes, so the digest recorded for a blob is
/// always the digest of the bytes on disk. Used from one thread at a time.
final class BlobWriter {
    let url: URL
    private let handle: FileHandle
    private var counter = DigestCounter()

    init(in directory: URL) throws {
        url = directory.appendingPathComponent("blob-" + UUID().uuidString)
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o644]) else {
            throw ImageError(.io, "cannot create staging file \(url.path); check that the image store directory is writable")
        }
        do {
            handle = try FileHandle(forWritingTo: url)
        } catch {
            throw ImageError(.io, "cannot open staging file \(url.path)", cause: error)
        }
    }

    var size: Int64 { counter.size }

    func write(_ data: Data) throws {
        counter.update(data)
        do {
            try handle.write(contentsOf: data)
        } catch {
            throw ImageError(.io, "cannot write staging file \(url.path); is the disk full?", cause: error)
        }
    }

    /// Flushes to disk, closes, and returns the blob.
    func finish(mediaType: String) throws -> StagedBlob {
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw ImageError(.io, "cannot flush staging file \(url.path)", cause: error)
        }
        return StagedBlob(url: url, digest: counter.finalize(), size: counter.size, mediaType: mediaType)
    }

    /// Stages `data` as a blob.
    static func stage(_ data: Data, mediaType: String, in directory: URL) throws -> StagedBlob {
        let writer = try BlobWriter(in: directory)
        try writer.write(data)
        return try writer.finish(mediaType: mediaType)
    }

    /// Copies `source` into staging, hashing as it goes, and checks it against `expected`.
    /// A mismatch leaves nothing behind and throws `corrupt`.
    static func copy(_ source: URL, verifying expected: OCIDescriptor, in directory: URL) throws -> StagedBlob {
        let input: FileHandle
        do {
            input = try FileHandle(forReadingFrom: source)
        } catch {
            throw ImageError(.notFound, "blob \(expected.digest) is missing from the OCI layout (\(source.path)); the layout is incomplete, export it again", cause: error)
        }
        defer { try? input.close() }
        let writer = try BlobWriter(in: directory)
        do {
            while true {
                let chunk: Data?
                do {
                    chunk = try input.read(upToCount: 1 << 20)
                } catch {
                    throw ImageError(.io, "cannot read \(source.path)", cause: error)
                }
                guard let chunk, !chunk.isEmpty else { break }
                try writer.write(chunk)
                if writer.size > expected.size {
                    throw ImageError(.corrupt, "blob \(expected.digest) in the OCI layout is larger than the \(expected.size) bytes its descriptor declares; the layout is corrupt, export it again")
                }
            }
            let blob = try writer.finish(mediaType: expected.mediaType)
            guard blob.digest == expected.digest, blob.size == expected.size else {
                throw ImageError(.corrupt, "blob \(expected.digest) in the OCI layout does not match its digest (content hashes to \(blob.digest), \(blob.size) bytes); the layout is corrupt, export it again")
            }
            return blob
        } catch {
            try? FileManager.default.removeItem(at: writer.url)
            throw error
        }
    }
}

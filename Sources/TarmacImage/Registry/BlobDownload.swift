import AsyncHTTPClient
import CTarmacImage
import Foundation
import NIOCore
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#endif

/// Downloads one blob into a partial file in the store's staging area, hashing as it goes.
///
/// The partial file is named after the digest (`tmp/download-<hex>`), so a pull interrupted
/// half-way leaves it behind and the next pull re-hashes what is there and asks the registry
/// for the rest with a `Range` request (starting again when the registry ignores `Range`).
/// The file is `flock`ed while in use, so two pulls (in this process or another) never write
/// it at once; once verified it is moved, under the lock, into the pull's own staging
/// directory. What is returned has been verified against the descriptor's digest and size; on
/// a mismatch the partial file is deleted and an error thrown.
///
/// For a layer (`compression` set) the bytes are also decompressed in-process as they arrive
/// and the uncompressed stream hashed (on a ``DiffIDWorker`` thread, in parallel with the
/// transfer), so the layer's diff id is known when the download ends without a second pass. Bytes are written without `fsync` (writeback is started
/// early); the file is synced once, before it is moved.
struct BlobDownload {
    struct Downloaded: Sendable {
        var blob: StagedBlob
        /// The digest of the uncompressed content (layers only).
        var diffID: String?
    }

    var client: RegistryClient
    var endpoint: RegistryEndpoint
    var path: String
    var descriptor: OCIDescriptor
    var partial: URL
    var label: String
    var progress: TransferProgressHandler?
    /// The layer's compression, to compute its diff id on the way; nil for other blobs.
    var compression: LayerCompression?

    /// The running digests of what is in the partial file: the blob's here, the diff id on
    /// a worker thread fed in batches.
    private struct Hashes {
        var blob = DigestCounter()
        var diffID: DiffIDWorker?
    }

    /// Returns nil when the partial file was taken by a concurrent pull while this one waited
    /// for its lock (the caller then looks in the store again, or downloads anew).
    func run(into staging: URL) async throws -> Downloaded? {
        let fd = open(partial.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ImageError(.io, "cannot open \(partial.path): \(FileSystem.errnoDescription()); check that the image store is writable")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        defer { try? handle.close() }
        try await lock(fd)
        guard Self.isSameFile(fd, partial.path) else { return nil }
        let staged = staging.appendingPathComponent("layer-" + String(descriptor.digest.dropFirst("sha256:".count)))
        var hashes = try await hashExisting()
        defer { hashes.diffID?.abandon() }
        if hashes.blob.size == descriptor.size, hashes.blob.finalize() == descriptor.digest {
            report(hashes.blob.size, .transferring)
            try FileSystem.replace(staged.path, with: partial.path)
            return try await finished(staged, hashes)
        }
        if hashes.blob.size >= descriptor.size {
            try truncate(handle)
            try restart(&hashes)
        }
        try await transfer(handle, hashes: &hashes)
        do {
            try handle.synchronize()
        } catch {
            throw ImageError(.io, "cannot flush \(partial.path)", cause: error)
        }
        let digest = hashes.blob.finalize()
        guard digest == descriptor.digest, hashes.blob.size == descriptor.size else {
            try? FileManager.default.removeItem(at: partial)
            throw ImageError(.corrupt, "blob \(descriptor.digest) from registry \(endpoint.host) does not match its digest (content hashes to \(digest), \(hashes.blob.size) bytes); the registry's copy is corrupt and nothing was stored")
        }
        report(hashes.blob.size, .transferring)
        try FileSystem.replace(staged.path, with: partial.path)
        return try await finished(staged, hashes)
    }

    private func finished(_ url: URL, _ hashes: Hashes) async throws -> Downloaded {
        let blob = StagedBlob(url: url, digest: descriptor.digest, size: descriptor.size, mediaType: descriptor.mediaType)
        // An uncompressed layer's diff id is its digest.
        let diffID = compression == .uncompressed ? descriptor.digest : try await hashes.diffID?.finish()
        return Downloaded(blob: blob, diffID: diffID)
    }

    private func fresh() throws -> Hashes {
        guard let compression, compression != .uncompressed else { return Hashes() }
        let hasher = try DiffIDHasher(compression: compression, label: "\(label) (\(descriptor.digest))", threaded: true)
        return Hashes(diffID: DiffIDWorker(hasher))
    }

    /// Starts the digests again (the partial file was truncated).
    private func restart(_ hashes: inout Hashes) throws {
        hashes.diffID?.abandon()
        hashes = try fresh()
    }

    private func transfer(_ handle: FileHandle, hashes: inout Hashes) async throws {
        let url = "\(RegistryClient.base(endpoint, path))/blobs/\(descriptor.digest)"
        let offset = hashes.blob.size
        var headers: HTTPHeaders = [:]
        if offset > 0 { headers.add(name: "Range", value: "bytes=\(offset)-") }
        let response = try await client.send(
            endpoint, scopes: [RegistryClient.pullScope(path)], method: .GET, url: url, headers: headers,
            timeout: client.configuration.blobTimeout
        )
        switch response.status {
        case .partialContent where offset > 0 && Self.rangeStart(response.headers.first(name: "Content-Range")) == offset:
            report(offset, .resumed)
        case .ok:
            if offset > 0 {
                try truncate(handle)
                try restart(&hashes)
            }
        case .notFound:
            _ = try? await response.body.collect(upTo: 1 << 16)
            throw ImageError(.notFound, "blob \(descriptor.digest) (\(label)) is missing from repository \(path) on registry \(endpoint.host)")
        default:
            throw await RegistryClient.unexpected(response, "GET blob \(descriptor.digest) of \(path)", endpoint: endpoint)
        }
        do {
            try handle.seekToEnd()
        } catch {
            throw ImageError(.io, "cannot seek in \(partial.path)", cause: error)
        }
        var lastReport = ContinuousClock.now
        // Bytes are hashed (and decompressed, for a layer) as they arrive, and written in
        // batches of up to 1 MiB (one write per network chunk costs more than the copy).
        var pending = Data()
        pending.reserveCapacity(1 << 20)
        // Writeback of what is written starts every 8 MiB (`sync_file_range`, which does not
        // wait), so the one `fsync` at the end finds little left to write.
        var written = hashes.blob.size
        var writebackFrom = written
        func flush() async throws {
            guard !pending.isEmpty else { return }
            do {
                try handle.write(contentsOf: pending)
            } catch {
                throw ImageError(.io, "cannot write \(partial.path); is the disk full?", cause: error)
            }
            written += Int64(pending.count)
            await hashes.diffID?.submit(pending)
            pending = Data()
            pending.reserveCapacity(1 << 20)
            if written - writebackFrom >= 8 << 20 {
                _ = tarmac_start_writeback(handle.fileDescriptor, writebackFrom, written - writebackFrom)
                writebackFrom = written
            }
        }
        do {
            for try await buffer in response.body {
                buffer.withUnsafeReadableBytes { bytes in
                    hashes.blob.update(bytes)
                    pending.append(bytes.assumingMemoryBound(to: UInt8.self))
                }
                guard hashes.blob.size <= descriptor.size else {
                    try? FileManager.default.removeItem(at: partial)
                    throw ImageError(.corrupt, "blob \(descriptor.digest) from registry \(endpoint.host) is larger than the \(descriptor.size) bytes its descriptor declares; nothing was stored")
                }
                if pending.count >= 1 << 20 { try await flush() }
                if ContinuousClock.now - lastReport > .milliseconds(200) {
                    lastReport = .now
                    report(hashes.blob.size, .transferring)
                }
            }
            try await flush()
        } catch let error as ImageError {
            try? await flush()
            throw error
        } catch {
            // Keep what arrived (it is hashed already) so the next pull resumes after it.
            try? await flush()
            try? handle.synchronize()
            throw ImageError(.unavailable, "download of \(label) (\(descriptor.digest)) from registry \(endpoint.host) was interrupted after \(hashes.blob.size) of \(descriptor.size) bytes; run the pull again to resume it", cause: error)
        }
    }

    private func report(_ completed: Int64, _ phase: BlobProgress.Phase) {
        progress?(.blob(BlobProgress(digest: descriptor.digest, label: label, completed: completed, total: descriptor.size, phase: phase)))
    }

    private func truncate(_ handle: FileHandle) throws {
        do {
            try handle.truncate(atOffset: 0)
        } catch {
            throw ImageError(.io, "cannot truncate \(partial.path)", cause: error)
        }
    }

    /// Waits for the exclusive lock on the partial file (another process may be downloading it).
    private func lock(_ fd: Int32) async throws {
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else {
                throw ImageError(.io, "cannot lock \(partial.path): \(FileSystem.errnoDescription(code))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Whether `path` still names the file open as `fd` (a concurrent pull may have moved it).
    static func isSameFile(_ fd: Int32, _ path: String) -> Bool {
        var open = stat()
        var named = stat()
        guard fstat(fd, &open) == 0, stat(path, &named) == 0 else { return false }
        return open.st_ino == named.st_ino && open.st_dev == named.st_dev
    }

    /// Hashes (and, for a layer, decompresses) what an earlier download left, up to the
    /// descriptor's size (more means start again). Reads in 1 MiB steps, yielding between
    /// them, so resuming a large partial file does not hold a cooperative thread for long.
    private func hashExisting() async throws -> Hashes {
        var hashes = try fresh()
        do {
            let handle = try FileHandle(forReadingFrom: partial)
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                chunk.withUnsafeBytes { hashes.blob.update($0) }
                if hashes.blob.size > descriptor.size { break }
                await hashes.diffID?.submit(chunk)
            }
        } catch {
            hashes.diffID?.abandon()
            throw ImageError(.io, "cannot read partial download \(partial.path)", cause: error)
        }
        return hashes
    }

    /// The first byte of `bytes START-END/TOTAL`.
    static func rangeStart(_ header: String?) -> Int64? {
        guard let header, header.hasPrefix("bytes ") else { return nil }
        return header.dropFirst("bytes ".count).split(separator: "-").first.flatMap { Int64($0) }
    }
}

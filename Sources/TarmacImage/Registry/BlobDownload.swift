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
/// half-way (network, registry) leaves it behind and the next pull re-hashes what is there
/// and asks the registry for the rest with a `Range` request (starting again when the
/// registry ignores `Range`). A pull cancelled on purpose (its task cancelled) deletes it.
/// The file is `flock`ed while in use, so two pulls (in this process or another) never write
/// it at once; once verified it is moved, under the lock, into the pull's own staging
/// directory. What is returned has been verified against the descriptor's digest and size; on
/// a mismatch the partial file is deleted and an error thrown.
///
/// A layer is not decompressed here: its diff id is checked when it is unpacked
/// (``ImageStore/unpack(_:to:)``), as containerd does. Bytes are written without `fsync`
/// (writeback is started early); the file is synced once, before it is moved.
struct BlobDownload {
    var client: RegistryClient
    var endpoint: RegistryEndpoint
    var path: String
    var descriptor: OCIDescriptor
    var partial: URL
    var label: String
    var progress: TransferProgressHandler?

    /// Returns nil when the partial file was taken by a concurrent pull while this one waited
    /// for its lock (the caller then looks in the store again, or downloads anew).
    func run(into staging: URL) async throws -> StagedBlob? {
        let fd = open(partial.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ImageError(.io, "cannot open \(partial.path): \(FileSystem.errnoDescription()); check that the image store is writable")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        defer { try? handle.close() }
        try await lock(fd)
        guard Self.isSameFile(fd, partial.path) else { return nil }
        let staged = staging.appendingPathComponent("layer-" + String(descriptor.digest.dropFirst("sha256:".count)))
        var hash = try await hashExisting()
        if hash.size == descriptor.size, hash.finalize() == descriptor.digest {
            report(hash.size, .transferring)
            try FileSystem.replace(staged.path, with: partial.path)
            return finished(staged)
        }
        if hash.size >= descriptor.size {
            try truncate(handle)
            hash = DigestCounter()
        }
        do {
            try await transfer(handle, hash: &hash)
        } catch where Task.isCancelled {
            // Cancelled on purpose (the machine was stopped or destroyed during its pull):
            // nobody is waiting for this blob, so its partial file goes too. A failure of
            // the network or registry keeps it, for the next pull to resume.
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
        do {
            try handle.synchronize()
        } catch {
            throw ImageError(.io, "cannot flush \(partial.path)", cause: error)
        }
        let digest = hash.finalize()
        guard digest == descriptor.digest, hash.size == descriptor.size else {
            try? FileManager.default.removeItem(at: partial)
            throw ImageError(.corrupt, "blob \(descriptor.digest) from registry \(endpoint.host) does not match its digest (content hashes to \(digest), \(hash.size) bytes); the registry's copy is corrupt and nothing was stored")
        }
        report(hash.size, .transferring)
        try FileSystem.replace(staged.path, with: partial.path)
        return finished(staged)
    }

    private func finished(_ url: URL) -> StagedBlob {
        StagedBlob(url: url, digest: descriptor.digest, size: descriptor.size, mediaType: descriptor.mediaType)
    }

    private func transfer(_ handle: FileHandle, hash: inout DigestCounter) async throws {
        let url = "\(RegistryClient.base(endpoint, path))/blobs/\(descriptor.digest)"
        let offset = hash.size
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
                hash = DigestCounter()
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
        // Bytes are hashed as they arrive, and written in
        // batches of up to 1 MiB (one write per network chunk costs more than the copy).
        var pending = Data()
        pending.reserveCapacity(1 << 20)
        // Writeback of what is written starts every 8 MiB (`sync_file_range`, which does not
        // wait), so the one `fsync` at the end finds little left to write.
        var written = hash.size
        var writebackFrom = written
        func flush() throws {
            guard !pending.isEmpty else { return }
            do {
                try handle.write(contentsOf: pending)
            } catch {
                throw ImageError(.io, "cannot write \(partial.path); is the disk full?", cause: error)
            }
            written += Int64(pending.count)
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
                    hash.update(bytes)
                    pending.append(bytes.assumingMemoryBound(to: UInt8.self))
                }
                guard hash.size <= descriptor.size else {
                    try? FileManager.default.removeItem(at: partial)
                    throw ImageError(.corrupt, "blob \(descriptor.digest) from registry \(endpoint.host) is larger than the \(descriptor.size) bytes its descriptor declares; nothing was stored")
                }
                if pending.count >= 1 << 20 { try flush() }
                if ContinuousClock.now - lastReport > .milliseconds(200) {
                    lastReport = .now
                    report(hash.size, .transferring)
                }
            }
            try flush()
        } catch let error as ImageError {
            try? flush()
            throw error
        } catch {
            // Keep what arrived (it is hashed already) so the next pull resumes after it.
            try? flush()
            try? handle.synchronize()
            throw ImageError(.unavailable, "download of \(label) (\(descriptor.digest)) from registry \(endpoint.host) was interrupted after \(hash.size) of \(descriptor.size) bytes; run the pull again to resume it", cause: error)
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

    /// Hashes what an earlier download left, up to the descriptor's size (more means start
    /// again). Reads in 1 MiB steps, yielding between them, so resuming a large partial file
    /// does not hold a cooperative thread for long.
    private func hashExisting() async throws -> DigestCounter {
        var hash = DigestCounter()
        do {
            let handle = try FileHandle(forReadingFrom: partial)
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                chunk.withUnsafeBytes { hash.update($0) }
                if hash.size > descriptor.size { break }
                await Task.yield()
            }
        } catch {
            throw ImageError(.io, "cannot read partial download \(partial.path)", cause: error)
        }
        return hash
    }

    /// The first byte of `bytes START-END/TOTAL`.
    static func rangeStart(_ header: String?) -> Int64? {
        guard let header, header.hasPrefix("bytes ") else { return nil }
        return header.dropFirst("bytes ".count).split(separator: "-").first.flatMap { Int64($0) }
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `<root>/refs.json`: every stored name with the record of the manifest it points at.
/// Replaced atomically (written to `tmp/`, fsynced, renamed), so readers never need the lock.
struct RefsFile: Sendable, Codable {
    var schemaVersion: Int = 1
    /// Normalised reference → record.
    var images: [String: ImageRecord] = [:]

    static func read(_ url: URL) throws -> RefsFile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            if FileSystem.kind(url.path) == .missing { return RefsFile() }
            throw ImageError(.io, "cannot read \(url.path)", cause: error)
        }
        do {
            return try decoder.decode(RefsFile.self, from: data)
        } catch {
            throw ImageError(
                .corrupt,
                "\(url.path) cannot be decoded; it is only ever replaced atomically, so it was edited by hand or the disk is damaged: restore it from a backup, or delete it and import the images again",
                cause: error
            )
        }
    }

    func write(_ url: URL, scratch: URL) throws {
        let data: Data
        do {
            data = try Self.encoder.encode(self)
        } catch {
            throw ImageError(.io, "cannot encode the image refs", cause: error)
        }
        let temporary = scratch.appendingPathComponent("refs-" + UUID().uuidString + ".json")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ImageError(.io, "cannot create \(temporary.path): \(FileSystem.errnoDescription())")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        let written = (try? handle.write(contentsOf: data)) != nil
        let synced = fsync(fd) == 0
        close(fd)
        guard written, synced else {
            try? FileManager.default.removeItem(at: temporary)
            throw ImageError(.io, "cannot write \(temporary.path): \(FileSystem.errnoDescription()); is the disk full?")
        }
        do {
            try FileSystem.replace(url.path, with: temporary.path)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        FileSystem.syncDirectory(url.deletingLastPathComponent().path)
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

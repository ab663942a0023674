import Foundation
import Logging
import TarmacModel

/// The local content-addressed OCI image store, shared by the CLI and a running server.
///
/// Layout under `root` (normally `<data-dir>/images`):
///
///     blobs/sha256/<hex>      manifests, configs and layer blobs, verified against their digest
///     refs.json               normalised name → ``ImageRecord``; replaced atomically
///     lock                    `flock`ed around every change to refs, blobs and layers
///     layers/<diff-id hex>/   unpacked layers (overlayfs lower dirs), renamed in when complete
///     tmp/                    staging for imports, pulls and unpacks
///     locks/<digest hex>      `flock`ed by a pull of that image, across processes
///
/// The store is a value with no in-memory state: every call reads the disk, so several
/// processes can use one store at once.
public struct ImageStore: Sendable {
    public let root: URL
    let logger: Logger

    public init(root: URL, logger: Logger) {
        self.root = root
        self.logger = logger
    }

    var blobsDirectory: URL { root.appendingPathComponent("blobs/sha256", isDirectory: true) }
    var layersDirectory: URL { root.appendingPathComponent("layers", isDirectory: true) }
    var temporaryDirectory: URL { root.appendingPathComponent("tmp", isDirectory: true) }
    var refsURL: URL { root.appendingPathComponent("refs.json") }
    var lockURL: URL { root.appendingPathComponent("lock") }
    var locksDirectory: URL { root.appendingPathComponent("locks", isDirectory: true) }

    func blobURL(_ digest: String) throws -> URL {
        blobsDirectory.appendingPathComponent(try Digests.hexPart(of: digest))
    }

    func layerURL(diffID: String) throws -> URL {
        layersDirectory.appendingPathComponent(try Digests.hexPart(of: diffID), isDirectory: true)
    }

    /// Creates the store's directories. `layers/` and `tmp/` are private (0700): unpacked
    /// layers hold set-uid files owned by root that no host user should be able to run.
    func prepare() throws {
        try FileSystem.makeDirectory(root, mode: 0o755)
        try FileSystem.makeDirectory(blobsDirectory, mode: 0o755)
        try FileSystem.makeDirectory(layersDirectory, mode: 0o700)
        try FileSystem.makeDirectory(temporaryDirectory, mode: 0o700)
    }

    /// A fresh private directory under `tmp/`, removed by the caller.
    func makeStagingDirectory(_ purpose: String) throws -> URL {
        try prepare()
        let url = temporaryDirectory.appendingPathComponent("\(purpose)-\(UUID().uuidString)", isDirectory: true)
        try FileSystem.makeDirectory(url, mode: 0o700)
        return url
    }

    func removeQuietly(_ url: URL) {
        do {
            try FileManager.default.removeItem(at: url)
        } catch {
            logger.debug("image store: cannot remove temporary item", metadata: ["path": "\(url.path)", "error": "\(error)"])
        }
    }

    /// Reads a stored blob whole (manifests and configs; never layers).
    func readBlob(_ digest: String) throws -> Data {
        let url = try blobURL(digest)
        do {
            return try Data(contentsOf: url)
        } catch {
            throw ImageError(.notFound, "blob \(digest) is missing from the image store at \(root.path); remove the image and import it again", cause: error)
        }
    }

    /// Parses a name to store an image under: `NAME[:TAG]`, no digest (the content decides that).
    static func parseName(_ text: String) throws -> ImageReference {
        let reference = try parseReference(text)
        guard reference.digest == nil else {
            throw ImageError(.invalidReference, "\"\(text)\" contains a digest; images are stored under NAME:TAG (the digest is computed from the content)")
        }
        return reference
    }

    static func parseReference(_ text: String) throws -> ImageReference {
        do {
            return try ImageReference(parsing: text.trimmingCharacters(in: .whitespaces))
        } catch {
            throw ImageError(.invalidReference, "\(error.description); use NAME[:TAG] such as web:v1 or registry.example.com/team/web:v1")
        }
    }

    /// The current time rounded to whole seconds (the precision refs.json keeps).
    static func now() -> Date {
        Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    }
}

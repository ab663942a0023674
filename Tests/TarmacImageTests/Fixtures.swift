import Foundation
import Logging
import TarmacSystem
import Testing
@testable import TarmacImage

/// A scratch directory for one test, removed afterwards.
enum Scratch {
    static func with<T>(_ body: (URL) async throws -> T) async throws -> T {
        let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tarmac-image-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        return try await body(url)
    }

    static func store(in scratch: URL) -> ImageStore {
        var logger = Logger(label: "tarmac.image.tests")
        logger.logLevel = .warning
        return ImageStore(root: scratch.appendingPathComponent("images"), logger: logger)
    }
}

/// Builds file trees on disk.
struct Tree {
    var root: URL

    init(_ root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    @discardableResult
    func file(_ path: String, _ contents: String, mode: Int = 0o644) throws -> Tree {
        let url = url(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        return self
    }

    @discardableResult
    func directory(_ path: String, mode: Int = 0o755) throws -> Tree {
        try FileManager.default.createDirectory(at: url(path), withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url(path).path)
        return self
    }

    @discardableResult
    func symlink(_ path: String, to destination: String) throws -> Tree {
        try FileManager.default.createSymbolicLink(atPath: url(path).path, withDestinationPath: destination)
        return self
    }

    @discardableResult
    func hardLink(_ path: String, to existing: String) throws -> Tree {
        try FileManager.default.linkItem(at: url(existing), to: url(path))
        return self
    }

    @discardableResult
    func owner(_ path: String, uid: Int, gid: Int) throws -> Tree {
        try FileManager.default.setAttributes([.ownerAccountID: uid, .groupOwnerAccountID: gid], ofItemAtPath: url(path).path)
        return self
    }

    /// A sample root file system: nested dirs, an executable, a symlink, a hard link, a
    /// file owned by 1000:1000 and a private directory.
    static func sample(at root: URL) throws -> Tree {
        let tree = try Tree(root)
        try tree.file("bin/hello", "#!/bin/sh\necho hello\n", mode: 0o755)
        try tree.file("etc/app/config.toml", "port = 8080\n")
        try tree.file("srv/a/b/c/deep.txt", "deep\n")
        try tree.symlink("etc/app/current", to: "config.toml")
        try tree.symlink("bin/sh-link", to: "/bin/sh")
        try tree.hardLink("etc/app/config-hard.toml", to: "etc/app/config.toml")
        try tree.file("home/app/notes.txt", "mine\n", mode: 0o600)
        try tree.owner("home/app/notes.txt", uid: 1000, gid: 1000)
        try tree.owner("home/app", uid: 1000, gid: 1000)
        try tree.directory("root", mode: 0o700)
        return tree
    }
}

/// A description of every entry under a directory (type, mode, owner, contents, link
/// target, hard-link group), for comparing trees. Symlinks are not followed; mtimes ignored.
enum TreeSnapshot {
    static func of(_ root: URL) throws -> [String: String] {
        var result: [String: String] = [:]
        var inodes: [UInt64: String] = [:]
        let files = FileManager.default
        var paths = [""]
        paths += (files.subpaths(atPath: root.path) ?? []).sorted()
        for relative in paths {
            let path = relative.isEmpty ? root.path : root.path + "/" + relative
            let attributes = try files.attributesOfItem(atPath: path)
            let type = attributes[.type] as? FileAttributeType
            let mode = (attributes[.posixPermissions] as? Int).map { String($0, radix: 8) } ?? "?"
            let owner = "\(attributes[.ownerAccountID] ?? "?"):\(attributes[.groupOwnerAccountID] ?? "?")"
            var line = "\(type?.rawValue ?? "?") \(mode) \(owner)"
            switch type {
            case .typeSymbolicLink?:
                line += " -> \(try files.destinationOfSymbolicLink(atPath: path))"
            case .typeRegular?:
                line += " " + Digests.sha256(try Data(contentsOf: URL(fileURLWithPath: path)))
                let inode = (attributes[.systemFileNumber] as? UInt64) ?? 0
                if let first = inodes[inode] {
                    line += " hardlink-of \(first)"
                } else if ((attributes[.referenceCount] as? Int) ?? 1) > 1 {
                    inodes[inode] = relative
                }
            default:
                break
            }
            result[relative.isEmpty ? "." : relative] = line
        }
        return result
    }
}

/// Every blob under `blobs/sha256` hashes to its name, and `tmp/` holds nothing.
func expectConsistent(_ store: ImageStore, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: store.blobsDirectory.path)) ?? []
    for name in names {
        let data = try Data(contentsOf: store.blobsDirectory.appendingPathComponent(name))
        #expect(Digests.sha256(data) == "sha256:" + name, "blob \(name) does not match its digest", sourceLocation: sourceLocation)
    }
    let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: store.temporaryDirectory.path)) ?? []
    #expect(leftovers.isEmpty, "tmp/ holds \(leftovers)", sourceLocation: sourceLocation)
    for record in try store.list() {
        for digest in [record.digest, record.configDigest] + record.layers.map(\.digest) {
            #expect(names.contains(String(digest.dropFirst("sha256:".count))), "\(record.reference) misses blob \(digest)", sourceLocation: sourceLocation)
        }
    }
}

/// Files in a directory, recursively (for "nothing changed" checks).
func listing(_ url: URL) -> [String] {
    (FileManager.default.subpaths(atPath: url.path) ?? []).sorted()
}

/// Runs GNU tar to pack `directory` (as a layer producer other than the store would).
func makeTar(of directory: URL, to output: URL) async throws {
    try await Command.checked("tar", ["--format=posix", "--numeric-owner", "--sort=name", "-C", directory.path, "-cf", output.path, "."])
}

/// Gzips `file` into `file.gz` (no name/timestamp in the header) and returns its URL.
func gzip(_ file: URL) async throws -> URL {
    try await Command.checked("gzip", ["-n", "-k", "-f", file.path])
    return URL(fileURLWithPath: file.path + ".gz")
}

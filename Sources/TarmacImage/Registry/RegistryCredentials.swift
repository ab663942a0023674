import Foundation

/// Stored registry logins: `<data-dir>/registries.json`, mode 0600, replaced atomically.
///
///     {"auths": {"127.0.0.1:5000": {"username": "u", "password": "p"}}}
///
/// Keys are registry hosts as the API is reached (`registry-1.docker.io` for Docker Hub).
public struct RegistryCredentials: Sendable, Hashable, Codable {
    public struct Login: Sendable, Hashable, Codable {
        public var username: String
        public var password: String

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    public var auths: [String: Login]

    public init(auths: [String: Login] = [:]) {
        self.auths = auths
    }

    /// `<data-dir>/registries.json`.
    public static func fileURL(dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent("registries.json")
    }

    /// The host credentials are stored under: `docker.io` and friends become the API host.
    public static func key(for host: String) -> String {
        switch host.lowercased() {
        case "docker.io", "index.docker.io", "registry-1.docker.io": "registry-1.docker.io"
        default: host
        }
    }

    public func login(for host: String) -> Login? { auths[Self.key(for: host)] }

    /// Reads the file; a missing file is no logins.
    public static func read(_ url: URL) throws -> RegistryCredentials {
        guard FileManager.default.fileExists(atPath: url.path) else { return RegistryCredentials() }
        do {
            return try JSONDecoder().decode(RegistryCredentials.self, from: Data(contentsOf: url))
        } catch {
            throw ImageError(.corrupt, "cannot read registry credentials \(url.path); fix or delete the file and log in again", cause: error)
        }
    }

    /// Writes the file with mode 0600 (a temporary file renamed over the old one).
    public func write(_ url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let directory = url.deletingLastPathComponent()
        let scratch = directory.appendingPathComponent(".registries-\(UUID().uuidString).json")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let data = try encoder.encode(self)
            guard FileManager.default.createFile(atPath: scratch.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw ImageError(.io, "cannot create \(scratch.path)")
            }
            let handle = try FileHandle(forWritingTo: scratch)
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try FileSystem.replace(url.path, with: scratch.path)
        } catch let error as ImageError {
            try? FileManager.default.removeItem(at: scratch)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: scratch)
            throw ImageError(.io, "cannot write registry credentials \(url.path)", cause: error)
        }
    }
}

import AsyncHTTPClient
import Foundation
import Logging
import TarmacSystem
import Synchronization
import Testing
@testable import TarmacImage
#if canImport(Glibc)
import Glibc
#endif

/// A process the tests start and must stop: SIGTERM, then SIGKILL, then reaped.
final class ChildProcess: @unchecked Sendable {
    // @unchecked: `Process` is only touched from the test that owns this value.
    let process: Process

    init(_ executable: String, _ arguments: [String], log: URL) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// A free TCP port on 127.0.0.1 (bound, read, released).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ImageError(.io, "socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
        }
    }
    guard bound else { throw ImageError(.io, "bind failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
func isListening(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

/// Waits until 127.0.0.1:`port` accepts connections, or fails after `seconds`.
func waitForListening(_ port: Int, what: String, seconds: Double = 15) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if isListening(port) { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw ImageError(.unavailable, "\(what) on port \(port) did not come up within \(seconds)s")
}

/// A real CNCF distribution registry (`docker-registry` from Debian) on a free loopback
/// port, storing under a scratch directory; optionally with htpasswd basic auth.
struct RegistryServer {
    let host: String
    let storage: URL
    let directory: URL
    let port: Int
    let child: ChildProcess
    let configURL: URL

    static let executable = "/usr/bin/docker-registry"

    /// Starts a registry; `login` turns on htpasswd auth for that user.
    static func start(in scratch: URL, login: RegistryCredentials.Login? = nil, port fixedPort: Int? = nil, storage existing: URL? = nil) async throws -> RegistryServer {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            Issue.record("docker-registry is not installed: apt-get install docker-registry apache2-utils (scripts/install-deps.sh --with-test-tools)")
            throw ImageError(.notFound, "docker-registry missing")
        }
        let directory = scratch.appendingPathComponent("registry-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let storage = existing ?? directory.appendingPathComponent("storage")
        try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
        let port = try fixedPort ?? freeLoopbackPort()
        var auth = ""
        if let login {
            let htpasswd = directory.appendingPathComponent("htpasswd")
            let result = try await Command.run("htpasswd", ["-Bbn", login.username, login.password])
            try Data(result.checked().stdout.utf8).write(to: htpasswd)
            auth = """
                auth:
                  htpasswd:
                    realm: tarmac-test
                    path: \(htpasswd.path)

                """
        }
        let config = """
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: \(storage.path)
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
            \(auth)
            """
        let configURL = directory.appendingPathComponent("config.yml")
        try Data(config.utf8).write(to: configURL)
        let child = try ChildProcess(executable, ["serve", configURL.path], log: directory.appendingPathComponent("registry.log"))
        let server = RegistryServer(host: "127.0.0.1:\(port)", storage: storage, directory: directory, port: port, child: child, configURL: configURL)
        do {
            try await waitForListening(port, what: "docker-registry")
        } catch {
            server.stop()
            throw error
        }
        return server
    }

    func stop() { child.stop() }

    /// The file the registry keeps a blob in.
    func blobFile(_ digest: String) -> URL {
        let hex = String(digest.dropFirst("sha256:".count))
        return storage.appendingPathComponent("docker/registry/v2/blobs/sha256/\(hex.prefix(2))/\(hex)/data")
    }

    /// Runs `body` with a registry that is stopped afterwards, whatever happens.
    static func with<T>(
        in scratch: URL, login: RegistryCredentials.Login? = nil, port: Int? = nil, storage: URL? = nil,
        _ body: (RegistryServer) async throws -> T
    ) async throws -> T {
        let server = try await start(in: scratch, login: login, port: port, storage: storage)
        do {
            let result = try await body(server)
            server.stop()
            return result
        } catch {
            server.stop()
            throw error
        }
    }
}

/// The python front of `RegistryProxyScript` on a free port.
struct RegistryProxy {
    let host: String
    let log: URL
    let child: ChildProcess

    static func start(
        in scratch: URL, upstream: String, cut: Int? = nil, token: RegistryCredentials.Login? = nil, redirect: Bool = false
    ) async throws -> RegistryProxy {
        let script = scratch.appendingPathComponent("registry-proxy.py")
        try Data(RegistryProxyScript.source.utf8).write(to: script)
        let port = try freeLoopbackPort()
        let log = scratch.appendingPathComponent("proxy-\(port).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        var arguments = [script.path, "--upstream", upstream, "--port", String(port), "--log", log.path]
        if let cut { arguments += ["--cut", String(cut)] }
        if let token { arguments += ["--token", "\(token.username):\(token.password)"] }
        if redirect { arguments += ["--redirect", "yes"] }
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/env"
        let child = try ChildProcess(python, python == "/usr/bin/env" ? ["python3"] + arguments : arguments, log: scratch.appendingPathComponent("proxy-\(port).out"))
        let proxy = RegistryProxy(host: "127.0.0.1:\(port)", log: log, child: child)
        do {
            try await waitForListening(port, what: "registry proxy")
        } catch {
            child.stop()
            throw error
        }
        return proxy
    }

    func stop() { child.stop() }

    var requests: [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}

enum RegistryFixtures {
    /// One HTTP client for the whole test process, configured as registries need; it lives
    /// as long as the process, so it is never shut down.
    static let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: RegistryClient.httpConfiguration)

    static func client(credentials: URL? = nil, chunkSize: Int = 8 << 20) -> RegistryClient {
        var logger = Logger(label: "tarmac.registry.tests")
        logger.logLevel = .warning
        return RegistryClient(configuration: .init(credentialsFile: credentials, uploadChunkSize: chunkSize), httpClient: http, logger: logger)
    }

    /// Writes a login to a credentials file in `scratch` and returns the file.
    static func credentials(in scratch: URL, host: String, login: RegistryCredentials.Login) throws -> URL {
        let file = scratch.appendingPathComponent("registries-\(UUID().uuidString.prefix(8)).json")
        try RegistryCredentials(auths: [host: login]).write(file)
        return file
    }

    /// A small image built by the store itself: the sample tree imported as `name`.
    static func sampleImage(in scratch: URL, store: ImageStore, name: String = "app:v1") async throws -> ImageRecord {
        let tree = try Tree.sample(at: scratch.appendingPathComponent("rootfs-\(UUID().uuidString.prefix(8))"))
        return try await store.importDirectory(tree.root, as: name, config: ImageConfig(cmd: ["/bin/hello"], labels: ["team": "core"]))
    }

    /// Events of a pull/push, collected.
    final class Recorder: Sendable {
        private let events = Mutex<[TransferEvent]>([])
        var handler: TransferProgressHandler { { [self] event in self.events.withLock { $0.append(event) } } }
        var all: [TransferEvent] { events.withLock { $0 } }
        func phases(of digest: String) -> [BlobProgress.Phase] {
            all.compactMap { event in
                if case let .blob(progress) = event, progress.digest == digest { return progress.phase }
                return nil
            }
        }
    }
}

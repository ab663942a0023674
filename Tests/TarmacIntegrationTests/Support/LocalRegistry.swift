import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real CNCF distribution registry (Debian's `docker-registry`) on a free loopback port.
final class LocalRegistry: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test that owns the registry.
    let port: Int
    let directory: URL
    private var process: Process?

    init() throws {
        port = Int.random(in: 41_000...49_000)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-registry-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("storage"), withIntermediateDirectories: true)
        let config = """
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: \(directory.appendingPathComponent("storage").path)
            http:
              addr: 127.0.0.1:\(port)
            """
        try config.write(to: directory.appendingPathComponent("config.yml"), atomically: true, encoding: .utf8)
    }

    var host: String { "127.0.0.1:\(port)" }

    func start() async throws {
        let binary = "/usr/bin/docker-registry"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw FixtureError("docker-registry is not installed: run scripts/install-deps.sh --with-test-tools")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", directory.appendingPathComponent("config.yml").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        for _ in 0..<100 {
            if let url = URL(string: "http://\(host)/v2/"), (try? await URLSession.shared.data(from: url)) != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw FixtureError("docker-registry did not start on \(host)")
    }

    func stop() {
        process?.terminate()
        process?.waitUntilExit()
        process = nil
        try? FileManager.default.removeItem(at: directory)
    }
}

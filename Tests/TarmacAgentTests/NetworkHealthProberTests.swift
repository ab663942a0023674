import Foundation
import Testing
import TarmacModel
@testable import TarmacAgent
#if canImport(Glibc)
import Glibc
#endif

/// `NetworkHealthProber` against loopback sockets: a listener that never answers (TCP
/// passes, HTTP times out within the check's timeout) and a closed port (refused).
@Suite("NetworkHealthProber")
struct NetworkHealthProberTests {
    /// A TCP socket listening on a free loopback port that never accepts.
    final class SilentListener {
        let fd: Int32
        let port: Int

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            self.fd = fd
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0, listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(fd) }
    }

    static func check(_ type: MachineCheck.CheckType, port: Int, timeout: Double = 0.3) -> HealthCheck {
        HealthCheck(name: "c", check: MachineCheck(type: type, port: port, timeout: GoDuration(seconds: timeout), path: "/up"), defaultPort: nil, readiness: false)
    }

    @Test("tcp passes on a listening port and fails on a closed one")
    func tcp() async throws {
        let listener = try SilentListener()
        let prober = NetworkHealthProber()
        let open = await prober.probe(Self.check(.tcp, port: listener.port), address: "127.0.0.1")
        #expect(open == ProbeResult(passed: true, output: "TCP connect 127.0.0.1:\(listener.port): Success"))
        let refused = await prober.probe(Self.check(.tcp, port: 1), address: "127.0.0.1")
        #expect(!refused.passed && refused.output.hasPrefix("TCP connect 127.0.0.1:1: "), "\(refused.output)")
    }

    @Test("http fails within its timeout when nothing answers, and when nothing listens")
    func httpTimeout() async throws {
        let listener = try SilentListener()
        let prober = NetworkHealthProber()
        let started = ContinuousClock.now
        let silent = await prober.probe(Self.check(.http, port: listener.port, timeout: 0.3), address: "127.0.0.1")
        // The listener never answers: without the deadline this would hang. The bound is
        // generous for a loaded CI host; "timed out" shows the deadline fired.
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(silent == ProbeResult(passed: false, output: "HTTP GET http://127.0.0.1:\(listener.port)/up: timed out"))
        let refused = await prober.probe(Self.check(.http, port: 1), address: "127.0.0.1")
        #expect(!refused.passed && refused.output.hasPrefix("HTTP GET http://127.0.0.1:1/up: "), "\(refused.output)")
    }
}

/// HTTPS checks against `openssl s_server` with a self-signed certificate for `web.internal`.
@Suite("NetworkHealthProber over HTTPS", .serialized)
struct NetworkHealthProberTLSTests {
    @Test("tls_server_name is requested while the probe connects to the machine's address; an untrusted certificate fails unless tls_skip_verify")
    func serverName() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cert = directory.appendingPathComponent("cert.pem").path, key = directory.appendingPathComponent("key.pem").path
        let make = Process()
        make.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        make.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=web.internal",
                          "-addext", "subjectAltName=DNS:web.internal", "-keyout", key, "-out", cert]
        make.standardOutput = FileHandle.nullDevice
        make.standardError = FileHandle.nullDevice
        try make.run()
        make.waitUntilExit()
        try #require(make.terminationStatus == 0)
        let port = Int.random(in: 30_000...39_000)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        server.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key, "-www", "-quiet"]
        server.standardInput = Pipe()
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        let prober = NetworkHealthProber()
        func check(skipVerify: Bool, name: String?) -> HealthCheck {
            HealthCheck(name: "tls", check: MachineCheck(
                type: .http, port: port, timeout: GoDuration(seconds: 2), path: "/", protocol: "https",
                tlsSkipVerify: skipVerify, tlsServerName: name), defaultPort: nil, readiness: false)
        }
        var named = ProbeResult(passed: false, output: "")
        for _ in 0..<50 {
            named = await prober.probe(check(skipVerify: true, name: "web.internal"), address: "127.0.0.1")
            if named.passed { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(named.passed, "\(named.output)")
        #expect(named.output.hasPrefix("HTTP GET https://web.internal:\(port)/: 200"), "\(named.output)")
        let untrusted = await prober.probe(check(skipVerify: false, name: "web.internal"), address: "127.0.0.1")
        #expect(!untrusted.passed, "a self-signed certificate is not trusted: \(untrusted.output)")
    }
}

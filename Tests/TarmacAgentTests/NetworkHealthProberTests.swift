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

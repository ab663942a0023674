import Foundation
import Testing
import TarmacModel

/// Top-level `checks` and `mounts` as clients send them, and the wire shape they encode to.
@Suite("Checks and mounts JSON coding")
struct CheckMountCodingTests {
    @Test("top-level checks decode with string and numeric (nanosecond) durations")
    func topLevelChecks() throws {
        let config = try ServiceConfigCodingTests.decode("""
            {"checks": {
               "alive": {"type": "tcp", "port": 8080, "interval": "15s", "timeout": "2s", "grace_period": "5s", "kind": "readiness"},
               "http": {"type": "http", "port": "8080", "interval": 90000000000, "timeout": 1500000000, "grace_period": 0,
                        "method": "get", "path": "/up", "protocol": "https", "tls_skip_verify": true, "tls_server_name": "web.internal",
                        "headers": {"Authorization": "Bearer x", "Accept": ["text/plain", "application/json"]}},
               "slow": {"type": "http", "port": 9090, "interval": "1m30s", "timeout": "10.5s", "headers": [{"name": "X-A", "values": ["1", "2"]}]}
             }}
            """)
        let checks = try #require(config.checks)
        #expect(checks.keys.sorted() == ["alive", "http", "slow"])
        let alive = try #require(checks["alive"])
        #expect(alive.type == .tcp)
        #expect(alive.port == 8080)
        #expect(alive.interval?.nanoseconds == 15_000_000_000)
        #expect(alive.kind == .readiness)
        let http = try #require(checks["http"])
        #expect(http.port == 8080)
        #expect(http.interval == GoDuration(seconds: 90))
        #expect(http.timeout == GoDuration(nanoseconds: 1_500_000_000))
        #expect(http.gracePeriod == GoDuration(nanoseconds: 0))
        #expect(http.protocol == "https")
        #expect(http.tlsSkipVerify == true)
        #expect(http.tlsServerName == "web.internal")
        // Map form, sorted by name; a single string becomes a one-value list.
        #expect(http.headers == [.init(name: "Accept", values: ["text/plain", "application/json"]), .init(name: "Authorization", values: ["Bearer x"])])
        #expect(checks["slow"]?.interval == GoDuration(seconds: 90))
        #expect(checks["slow"]?.timeout == GoDuration(nanoseconds: 10_500_000_000))
        #expect(checks["slow"]?.headers == [.init(name: "X-A", values: ["1", "2"])])
        _ = try ConfigValidation.normalize(MachineConfig(image: "nginx").with { $0.checks = checks })

        let json = try ServiceConfigCodingTests.object(config)
        let encoded = try #require(json["checks"] as? [String: [String: Any]])
        #expect(encoded["http"]?["interval"] as? String == "1m30s")
        #expect(encoded["http"]?["timeout"] as? String == "1.5s")
        #expect(encoded["http"]?["grace_period"] as? String == "0s")
        #expect((encoded["http"]?["port"] as? NSNumber)?.intValue == 8080)
        #expect(encoded["http"]?["tls_server_name"] as? String == "web.internal")
        let headers = try #require(encoded["http"]?["headers"] as? [[String: Any]])
        #expect(headers.map { $0["name"] as? String } == ["Accept", "Authorization"])
        #expect(encoded["alive"]?["kind"] as? String == "readiness")
        #expect(Set(try #require(encoded["alive"]).keys) == ["type", "port", "interval", "timeout", "grace_period", "kind"])
    }

    @Test("mounts decode and encode with Fly's keys")
    func mounts() throws {
        let config = try ServiceConfigCodingTests.decode("""
            {"mounts": [{"volume": "vol_9vw681egy1jj5xm4", "path": "/data", "name": "data", "size_gb": 1, "encrypted": true,
                         "extend_threshold_percent": 80, "add_size_gb": "2", "add_size_percent": 10, "min_add_size_gb": 1, "size_gb_limit": 10}]}
            """)
        let mount = try #require(config.mounts?.first)
        #expect(mount == MachineMount(volume: "vol_9vw681egy1jj5xm4", path: "/data", name: "data", sizeGB: 1, encrypted: true,
                                      extendThresholdPercent: 80, addSizeGB: 2, addSizePercent: 10, minAddSizeGB: 1, sizeGBLimit: 10))
        let json = try #require((try ServiceConfigCodingTests.object(config)["mounts"] as? [[String: Any]])?.first)
        #expect(Set(json.keys) == ["volume", "path", "name", "size_gb", "encrypted", "extend_threshold_percent", "add_size_gb",
                                   "add_size_percent", "min_add_size_gb", "size_gb_limit"])
        #expect((json["add_size_gb"] as? NSNumber)?.intValue == 2)
        #expect(Set(try ServiceConfigCodingTests.object(MachineMount(path: "/data")).keys) == ["path"])
    }
}

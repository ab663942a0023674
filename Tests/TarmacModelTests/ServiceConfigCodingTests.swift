import Foundation
import Testing
import TarmacModel

/// `services`, `checks` and `mounts` as flyctl, fly-go and other SDKs send them, and the
/// Fly wire shape they encode to.
@Suite("Services, checks and mounts JSON coding")
struct ServiceConfigCodingTests {
    /// What `fly deploy` sends for an `[http_service]` with a TLS port, concurrency and
    /// an `[[http_service.checks]]` entry, plus a raw TCP service and a port range.
    static let flyctlServices = """
        {"image": "registry.fly.io/web:deployment-01",
         "services": [
           {"protocol": "tcp", "internal_port": 8080, "autostop": "stop", "autostart": true, "min_machines_running": 1,
            "ports": [
              {"port": 80, "handlers": ["http"], "force_https": true},
              {"port": 443, "handlers": ["tls", "http"],
               "tls_options": {"alpn": ["h2", "http/1.1"], "versions": ["TLSv1.2", "TLSv1.3"], "default_self_signed": false},
               "http_options": {"compress": true, "h2_backend": true, "idle_timeout": 600, "headers_read_timeout": 30,
                                "response": {"headers": {"X-Frame-Options": "DENY", "Server": false}, "pristine": false},
                                "replay_cache": [{"path_prefix": "/", "ttl_seconds": 300, "type": "cookie", "name": "session", "allow_bypass": true}]}}
            ],
            "concurrency": {"type": "requests", "soft_limit": 200, "hard_limit": 250},
            "checks": [{"type": "http", "interval": "30s", "timeout": "5s", "grace_period": "10s", "method": "GET", "path": "/health",
                        "protocol": "http", "tls_skip_verify": false, "headers": [{"name": "X-Forwarded-Proto", "values": ["https"]}]}],
            "force_instance_key": null},
           {"protocol": "udp", "internal_port": 5353, "ports": [{"start_port": 10000, "end_port": 10010, "proxy_proto_options": {"version": "v2"}}],
            "autostop": false, "force_instance_description": "pinned"}
         ]}
        """

    static func decode(_ json: String) throws -> MachineConfig {
        try JSONDecoder().decode(MachineConfig.self, from: Data(json.utf8))
    }

    static func object(_ value: some Encodable) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(value)) as? [String: Any])
    }

    @Test("decodes a flyctl http service with tls+http handlers, concurrency and a check")
    func flyctlService() throws {
        let config = try Self.decode(Self.flyctlServices)
        let services = try #require(config.services)
        #expect(services.count == 2)
        let web = services[0]
        #expect(web.protocol == .tcp)
        #expect(web.internalPort == 8080)
        #expect(web.autostop == .stop)
        #expect(web.autostart == true)
        #expect(web.minMachinesRunning == 1)
        #expect(web.forceInstanceKey == nil)
        let ports = try #require(web.ports)
        #expect(ports.map(\.port) == [80, 443])
        #expect(ports[0].handlers == ["http"])
        #expect(ports[0].forceHTTPS == true)
        #expect(ports[1].handlers == ["tls", "http"])
        #expect(ports[1].tlsOptions?.alpn == ["h2", "http/1.1"])
        #expect(ports[1].tlsOptions?.versions == ["TLSv1.2", "TLSv1.3"])
        #expect(ports[1].tlsOptions?.defaultSelfSigned == false)
        let http = try #require(ports[1].httpOptions)
        #expect(http.compress == true)
        #expect(http.h2Backend == true)
        #expect(http.idleTimeout == 600)
        #expect(http.headersReadTimeout == 30)
        #expect(http.response?.headers?["X-Frame-Options"] == .string("DENY"))
        #expect(http.response?.headers?["Server"] == .bool(false))
        #expect(http.response?.pristine == false)
        #expect(http.replayCache == [.init(pathPrefix: "/", ttlSeconds: 300, type: "cookie", name: "session", allowBypass: true)])
        #expect(web.concurrency == ServiceConcurrency(type: .requests, softLimit: 200, hardLimit: 250))
        let check = try #require(web.checks?.first)
        #expect(check.type == .http)
        #expect(check.interval == GoDuration(seconds: 30))
        #expect(check.timeout == GoDuration(seconds: 5))
        #expect(check.gracePeriod == GoDuration(seconds: 10))
        #expect(check.method == "GET")
        #expect(check.path == "/health")
        #expect(check.protocol == "http")
        #expect(check.tlsSkipVerify == false)
        #expect(check.headers == [.init(name: "X-Forwarded-Proto", values: ["https"])])
        #expect(check.kind == nil)

        let dns = services[1]
        #expect(dns.protocol == .udp)
        #expect(dns.autostop == .off)
        #expect(dns.forceInstanceDescription == "pinned")
        let range = try #require(dns.ports?.first)
        #expect(range.port == nil)
        #expect(range.startPort == 10000 && range.endPort == 10010)
        #expect(range.contains(10005) && !range.contains(10011) && !range.contains(80))
        #expect(range.proxyProtoOptions?.version == "v2")
        _ = try ConfigValidation.normalize(config)
    }

    @Test("services encode in the Fly wire shape: snake_case keys, nils omitted")
    func servicesWireShape() throws {
        let config = try Self.decode(Self.flyctlServices)
        let json = try Self.object(config)
        let services = try #require(json["services"] as? [[String: Any]])
        let web = services[0]
        #expect(Set(web.keys) == ["protocol", "internal_port", "autostop", "autostart", "min_machines_running", "ports", "concurrency", "checks"])
        #expect(web["protocol"] as? String == "tcp")
        #expect((web["internal_port"] as? NSNumber)?.intValue == 8080)
        #expect(web["autostop"] as? Bool == true)
        let ports = try #require(web["ports"] as? [[String: Any]])
        #expect(Set(ports[0].keys) == ["port", "handlers", "force_https"])
        #expect(Set(ports[1].keys) == ["port", "handlers", "tls_options", "http_options"])
        let tls = try #require(ports[1]["tls_options"] as? [String: Any])
        #expect(tls["default_self_signed"] as? Bool == false)
        let http = try #require(ports[1]["http_options"] as? [String: Any])
        #expect(Set(http.keys) == ["compress", "h2_backend", "idle_timeout", "headers_read_timeout", "response", "replay_cache"])
        let concurrency = try #require(web["concurrency"] as? [String: Any])
        #expect(concurrency["type"] as? String == "requests")
        #expect((concurrency["soft_limit"] as? NSNumber)?.intValue == 200)
        #expect((concurrency["hard_limit"] as? NSNumber)?.intValue == 250)
        let check = try #require((web["checks"] as? [[String: Any]])?.first)
        #expect(check["interval"] as? String == "30s")
        #expect(check["grace_period"] as? String == "10s")
        #expect(check["tls_skip_verify"] as? Bool == false)
        let headers = try #require(check["headers"] as? [[String: Any]])
        #expect(headers.first?["name"] as? String == "X-Forwarded-Proto")
        #expect(headers.first?["values"] as? [String] == ["https"])
        let range = try #require((services[1]["ports"] as? [[String: Any]])?.first)
        #expect(Set(range.keys) == ["start_port", "end_port", "proxy_proto_options"])
        #expect(services[1]["autostop"] as? Bool == false)
        #expect(services[1]["force_instance_description"] as? String == "pinned")
    }

    @Test("autostop accepts booleans and strings and answers false, true or \"suspend\"", arguments: [
        ("false", ServiceAutostop.off, "false"), ("true", .stop, "true"),
        (#""off""#, .off, "false"), (#""stop""#, .stop, "true"), (#""suspend""#, .suspend, #""suspend""#),
    ])
    func autostop(input: String, expected: ServiceAutostop, output: String) throws {
        let config = try Self.decode(#"{"services":[{"protocol":"tcp","internal_port":80,"autostop":\#(input)}]}"#)
        #expect(config.services?.first?.autostop == expected)
        let encoded = try JSONEncoder().encode(try #require(config.services?.first?.autostop))
        #expect(String(decoding: encoded, as: UTF8.self) == output)
    }

    @Test("autostop refuses other values naming the field", arguments: [#""sometimes""#, "1", "{}"])
    func badAutostop(input: String) {
        do {
            _ = try Self.decode(#"{"services":[{"protocol":"tcp","internal_port":80,"autostop":\#(input)}]}"#)
            Issue.record("expected autostop \(input) to be refused")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.codingPath.map(\.stringValue).last == "autostop")
            #expect(context.debugDescription.contains("suspend"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("unknown fields are ignored at every level")
    func unknownFields() throws {
        let config = try Self.decode("""
            {"services": [{"protocol": "tcp", "internal_port": 80, "future": 1,
                           "ports": [{"port": 80, "handlers": ["http"], "edge": {"x": 1},
                                      "tls_options": {"alpn": ["h2"], "ciphers": []}, "http_options": {"future": true, "response": {"x": 1}}}],
                           "concurrency": {"type": "connections", "burst": 3},
                           "checks": [{"type": "tcp", "interval": "10s", "restart_limit": 3}]}],
             "checks": {"c": {"type": "tcp", "port": 80, "success_threshold": 2}},
             "mounts": [{"path": "/data", "fstype": "ext4"}]}
            """)
        #expect(config.services == [MachineService(
            protocol: .tcp, internalPort: 80,
            ports: [ServicePort(port: 80, handlers: ["http"], tlsOptions: .init(alpn: ["h2"]), httpOptions: .init(response: .init()))],
            concurrency: .init(type: .connections), checks: [MachineCheck(type: .tcp, interval: GoDuration(seconds: 10))])])
        #expect(config.checks == ["c": MachineCheck(type: .tcp, port: 80)])
        #expect(config.mounts == [MachineMount(path: "/data")])
    }

    @Test("unknown enumeration values decode (so stored configs always load) and are kept")
    func unknownEnumValues() throws {
        let config = try Self.decode(#"{"services":[{"protocol":"sctp","internal_port":80,"concurrency":{"type":"bytes"}}],"checks":{"c":{"type":"grpc","kind":"liveness"}}}"#)
        #expect(config.services?.first?.protocol == "sctp")
        #expect(config.services?.first?.protocol?.isKnown == false)
        #expect(config.services?.first?.concurrency?.type == "bytes")
        #expect(config.checks?["c"]?.type == "grpc")
        #expect(config.checks?["c"]?.kind == "liveness")
        let again = try JSONDecoder().decode(MachineConfig.self, from: try JSONEncoder().encode(config))
        #expect(again == config)
    }

    @Test("encode → decode round-trips every section")
    func roundTrip() throws {
        let text = """
            {"image": "nginx",
             "services": \(try Self.sectionText(Self.flyctlServices, "services")),
             "checks": {"a": {"type": "http", "port": 80, "interval": 15000000000, "path": "/", "headers": {"X": "1"}, "kind": "informational"}},
             "mounts": [{"volume": "vol_1", "path": "/data", "size_gb": 3}]}
            """
        let config = try Self.decode(text)
        let once = try JSONEncoder().encode(config)
        let again = try JSONDecoder().decode(MachineConfig.self, from: once)
        #expect(again == config)
        // And the encoding is stable.
        let keys = JSONEncoder()
        keys.outputFormatting = [.sortedKeys]
        #expect(try keys.encode(again) == (try keys.encode(config)))
    }

    @Test("integers may be numeric strings; other strings are refused naming the field")
    func lenientIntegers() throws {
        let config = try Self.decode(#"{"services":[{"protocol":"tcp","internal_port":" 8080 ","ports":[{"port":"443"}],"concurrency":{"soft_limit":"20","hard_limit":25}}]}"#)
        #expect(config.services?.first?.internalPort == 8080)
        #expect(config.services?.first?.ports?.first?.port == 443)
        #expect(config.services?.first?.concurrency?.softLimit == 20)
        do {
            _ = try Self.decode(#"{"services":[{"protocol":"tcp","internal_port":"http"}]}"#)
            Issue.record("expected internal_port \"http\" to be refused")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.codingPath.map(\.stringValue).last == "internal_port")
            #expect(context.debugDescription.contains("integer"))
        }
        #expect(throws: DecodingError.self) {
            try Self.decode(#"{"services":[{"protocol":"tcp","internal_port":true}]}"#)
        }
    }

    @Test("malformed shapes are decoding errors at the offending key", arguments: [
        (#"{"checks":{"c":{"type":"http","interval":"soon"}}}"#, "interval"),
        (#"{"checks":{"c":{"type":"http","headers":"X: 1"}}}"#, "headers"),
        (#"{"checks":{"c":{"type":"http","headers":{"X":1}}}}"#, "headers"),
        (#"{"mounts":[{"path":"/data","size_gb":"big"}]}"#, "size_gb"),
        (#"{"services":[{"protocol":"tcp","internal_port":80,"ports":[{"port":80,"handlers":"http"}]}]}"#, "handlers"),
    ])
    func malformed(json: String, key: String) {
        do {
            _ = try Self.decode(json)
            Issue.record("expected \(json) to be refused")
        } catch let error as DecodingError {
            let path: [any CodingKey] = switch error {
            case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context): context.codingPath
            case .keyNotFound(_, let context): context.codingPath
            @unknown default: []
            }
            #expect(path.map(\.stringValue).contains(key), "path \(path.map(\.stringValue))")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    static func sectionText(_ json: String, _ key: String) throws -> String {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let section = try #require(object[key])
        return String(decoding: try JSONSerialization.data(withJSONObject: section), as: UTF8.self)
    }
}

extension MachineConfig {
    func with(_ change: (inout MachineConfig) -> Void) -> MachineConfig {
        var copy = self
        change(&copy)
        return copy
    }
}

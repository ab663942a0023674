import Foundation
import Testing
import TarmacModel

/// Wire shapes: what flyctl/fly-go send and what they decode.
@Suite("Model JSON coding")
struct ModelCodingTests {
    /// A config as flyctl sends it on deploy (services, checks, init, guest, restart, stop_config …).
    static let flyctlConfig = """
        {
          "init": {"cmd": ["bundle", "exec", "puma"], "tty": false, "swap_size_mb": 512, "kernel_args": ["quiet"]},
          "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 512, "kernel_args": []},
          "image": "registry.fly.io/my-app:deployment-01HEPA330HZ37A78TK080NAK1M",
          "env": {"PORT": "8080", "PRIMARY_REGION": "ams"},
          "metadata": {"fly_platform_version": "v2", "fly_process_group": "app", "fly_release_id": "abc", "fly_release_version": "3"},
          "services": [
            {"protocol": "tcp", "internal_port": 8080, "autostop": "suspend", "autostart": true, "min_machines_running": 0,
             "ports": [{"port": 80, "handlers": ["http"], "force_https": true}, {"port": 443, "handlers": ["tls", "http"], "http_options": {"h2_backend": true}}],
             "concurrency": {"type": "connections", "hard_limit": 25, "soft_limit": 20},
             "force_instance_key": null,
             "checks": [{"type": "http", "interval": "15s", "timeout": "2s", "grace_period": "1s", "method": "GET", "path": "/up"}]}
          ],
          "checks": {"alive": {"type": "tcp", "port": 8080, "interval": "15s", "timeout": "2s", "grace_period": "5s", "kind": "readiness"}},
          "restart": {"policy": "on-failure", "max_retries": 10},
          "stop_config": {"timeout": "10s", "signal": "SIGTERM"},
          "auto_destroy": false,
          "mounts": [{"volume": "vol_9vw681egy1jj5xm4", "path": "/data", "name": "data", "size_gb": 1, "encrypted": true}],
          "dns": {"skip_registration": false, "nameservers": ["1.1.1.1"]},
          "files": [{"guest_path": "/etc/app.conf", "raw_value": "aGVsbG8=", "mode": 420}],
          "processes": [{"exec": ["/bin/app"], "env": {"X": "1"}}],
          "statics": [{"guest_path": "/app/public", "url_prefix": "/static/"}],
          "schedule": "daily",
          "standbys": ["1857156b526dd8"],
          "metrics": {"port": 9091, "path": "/metrics"},
          "rootfs": {"persist": "never", "size_gb": 0},
          "disable_machine_autostart": false,
          "some_future_field": {"ignored": true}
        }
        """

    static func json(_ value: some Encodable) throws -> [String: Any] {
        let data = try JSONEncoder().encode(value)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func jsonValue(_ data: Data) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: data)
    }

    @Test("decodes a flyctl-style MachineConfig")
    func decodesFlyctlConfig() throws {
        let config = try JSONDecoder().decode(MachineConfig.self, from: Data(Self.flyctlConfig.utf8))
        #expect(config.image == "registry.fly.io/my-app:deployment-01HEPA330HZ37A78TK080NAK1M")
        #expect(config.env == ["PORT": "8080", "PRIMARY_REGION": "ams"])
        #expect(config.`init`?.cmd == ["bundle", "exec", "puma"])
        #expect(config.`init`?.exec == nil)
        #expect(config.`init`?.swapSizeMB == 512)
        #expect(config.`init`?.kernelArgs == ["quiet"])
        #expect(config.`init`?.tty == false)
        #expect(config.guest?.cpuKind == "shared")
        #expect(config.guest?.cpus == 1)
        #expect(config.guest?.memoryMB == 512)
        #expect(config.restart?.policy == "on-failure")
        #expect(config.restart?.maxRetries == 10)
        #expect(config.restartPolicy == .onFailure)
        #expect(config.stopConfig?.timeout == GoDuration(nanoseconds: 10_000_000_000))
        #expect(config.stopConfig?.signal == .sigterm)
        #expect(config.stopSignal == .sigterm)
        #expect(config.autoDestroy == false)
        #expect(config.metadata?["fly_process_group"] == "app")
        #expect(config.schedule == "daily")
        #expect(config.disableMachineAutostart == false)
        let services = try #require(config.services)
        #expect(services.count == 1)
        #expect(services[0].internalPort == 8080)
        #expect(services[0].autostop == .suspend)
        #expect(services[0].forceInstanceKey == nil)
        #expect(services[0].checks?.first?.path == "/up")
        #expect(config.checks?["alive"]?.kind == .readiness)
        #expect(config.mounts?.first?.volume == "vol_9vw681egy1jj5xm4")
        // And the whole config is valid.
        _ = try ConfigValidation.normalize(config)
    }

    @Test("durations given as nanoseconds decode and re-encode as Go durations")
    func nanosecondStopTimeout() throws {
        let json = #"{"image":"nginx","stop_config":{"timeout":30000000000,"signal":15},"checks":{"c":{"interval":15000000000}}}"#
        let config = try JSONDecoder().decode(MachineConfig.self, from: Data(json.utf8))
        #expect(config.stopConfig?.timeout?.nanoseconds == 30_000_000_000)
        #expect(config.stopConfig?.signal == .sigterm)
        let encoded = try Self.json(config)
        let stop = try #require(encoded["stop_config"] as? [String: Any])
        #expect(stop["timeout"] as? String == "30s")
        #expect(stop["signal"] as? String == "SIGTERM")
        // Check durations too: the wire shape is a Go duration string.
        let checks = try #require(encoded["checks"] as? [String: Any])
        let check = try #require(checks["c"] as? [String: Any])
        #expect(check["interval"] as? String == "15s")
    }

    @Test("encoding round-trips the sections unchanged")
    func rawSectionsRoundTrip() throws {
        let original = try Self.jsonValue(Data(Self.flyctlConfig.utf8))
        let config = try JSONDecoder().decode(MachineConfig.self, from: Data(Self.flyctlConfig.utf8))
        let reencoded = try Self.jsonValue(try JSONEncoder().encode(config))
        // Services as sent, except that the null force_instance_key is omitted.
        guard case .array(let sentServices)? = original["services"], case .object(var sent)? = sentServices.first else {
            Issue.record("fixture has no services")
            return
        }
        sent["force_instance_key"] = nil
        #expect(reencoded["services"] == .array([.object(sent)]))
        for key in ["checks", "mounts", "files", "processes", "statics", "dns", "standbys", "metrics", "rootfs", "init", "guest", "restart", "env", "metadata", "stop_config", "image", "schedule", "auto_destroy"] {
            #expect(reencoded[key] == original[key], "section \(key) changed")
        }
        // Unknown top-level fields are ignored, not echoed.
        #expect(reencoded["some_future_field"] == nil)
        // And decoding the re-encoded config yields the same value.
        let again = try JSONDecoder().decode(MachineConfig.self, from: try JSONEncoder().encode(config))
        #expect(again == config)
    }

    @Test("unset optional sections are omitted, not null")
    func omitsUnset() throws {
        let encoded = try Self.json(MachineConfig(image: "nginx"))
        #expect(Set(encoded.keys) == ["image"])
    }

    @Test("Machine uses the Machines API keys")
    func machineKeys() throws {
        let imageRef = ImageRef(registry: "docker.io", repository: "library/nginx", tag: "latest", digest: "sha256:abc", labels: ["a": "b"])
        var machine = Machine(
            id: "1857156b526dd8", name: "aged-wind-2649", state: "started", region: "local",
            instanceID: "01HEPA330HZ37A78TK080NAK1M", privateIP: "172.30.0.2", config: MachineConfig(image: "nginx"),
            imageRef: imageRef, createdAt: "2023-10-31T02:30:10Z", updatedAt: "2023-10-31T02:30:26Z",
            events: [MachineEvent(id: "01HEPA330HZ37A78TK080NAK1N", type: "launch", status: "created", source: "user", timestamp: 1_698_719_409_000)],
            runtime: "container")
        machine.nonce = "5c35f65c9f95"
        machine.lease = .init(description: "deploy", expiresAt: 1_708_569_778, owner: "admin")
        let json = try Self.json(machine)
        #expect(json["id"] as? String == "1857156b526dd8")
        #expect(json["instance_id"] as? String == "01HEPA330HZ37A78TK080NAK1M")
        #expect(json["version"] as? String == "01HEPA330HZ37A78TK080NAK1M")
        #expect(json["private_ip"] as? String == "172.30.0.2")
        #expect(json["host_status"] as? String == "ok")
        #expect(json["created_at"] as? String == "2023-10-31T02:30:10Z")
        #expect(json["updated_at"] as? String == "2023-10-31T02:30:26Z")
        #expect(json["cordoned"] as? Bool == false)
        #expect(json["nonce"] as? String == "5c35f65c9f95")
        let ref = try #require(json["image_ref"] as? [String: Any])
        #expect(ref["repository"] as? String == "library/nginx")
        #expect(ref["digest"] as? String == "sha256:abc")
        let lease = try #require(json["lease"] as? [String: Any])
        #expect((lease["expires_at"] as? NSNumber)?.int64Value == 1_708_569_778)
        let events = try #require(json["events"] as? [[String: Any]])
        #expect((events.first?["timestamp"] as? NSNumber)?.int64Value == 1_698_719_409_000)
        for camel in ["instanceID", "privateIP", "imageRef", "hostStatus", "createdAt", "updatedAt", "incompleteConfig"] {
            #expect(json[camel] == nil, "unexpected key \(camel)")
        }
        #expect(try JSONDecoder().decode(Machine.self, from: try JSONEncoder().encode(machine)) == machine)
    }

    @Test("ExitEvent uses snake_case keys and an RFC3339 exited_at string")
    func exitEventKeys() throws {
        let exitedAt = Timestamps.rfc3339(Date(timeIntervalSince1970: 1_698_719_726))
        let event = ExitEvent(exitCode: 143, signal: 15, oomKilled: false, requestedStop: true, restarting: false, exitedAt: exitedAt)
        let json = try Self.json(event)
        #expect(Set(json.keys).isSuperset(of: ["exit_code", "guest_exit_code", "guest_signal", "signal", "oom_killed", "requested_stop", "restarting", "exited_at"]))
        #expect((json["exit_code"] as? NSNumber)?.intValue == 143)
        #expect((json["guest_exit_code"] as? NSNumber)?.intValue == 143)
        #expect((json["signal"] as? NSNumber)?.intValue == 15)
        #expect((json["guest_signal"] as? NSNumber)?.intValue == 15)
        #expect(json["requested_stop"] as? Bool == true)
        #expect(json["oom_killed"] as? Bool == false)
        let text = try #require(json["exited_at"] as? String)
        #expect(text == "2023-10-31T02:35:26Z")
        #expect(Timestamps.parseRFC3339(text) == Date(timeIntervalSince1970: 1_698_719_726))
    }

    @Test("Timestamps formats")
    func timestamps() {
        let date = Date(timeIntervalSince1970: 1_698_719_410.25)
        #expect(Timestamps.rfc3339(date) == "2023-10-31T02:30:10Z")
        #expect(Timestamps.rfc3339Millis(date) == "2023-10-31T02:30:10.250Z")
        #expect(Timestamps.unixMillis(date) == 1_698_719_410_250)
        #expect(Timestamps.date(unixMillis: 1_698_719_410_615).timeIntervalSince1970 == 1_698_719_410.615)
        #expect(Timestamps.parseRFC3339("2023-10-31T02:30:10Z") == Date(timeIntervalSince1970: 1_698_719_410))
        #expect(Timestamps.parseRFC3339("2023-10-31T02:30:10.5Z") == Date(timeIntervalSince1970: 1_698_719_410.5))
        #expect(Timestamps.parseRFC3339("yesterday") == nil)
    }

    @Test("requests decode fly-go bodies and ignore unknown fields")
    func requests() throws {
        let create = try JSONDecoder().decode(CreateMachineRequest.self, from: Data(#"{"name":"web","region":"ams","config":{"image":"nginx","init":{}},"skip_launch":true,"lease_ttl":30,"skip_secrets":false,"lsvd":false,"current_version":"v"}"#.utf8))
        #expect(create.name == "web")
        #expect(create.skipLaunch == true)
        #expect(create.leaseTTL == 30)
        #expect(create.currentVersion == "v")
        #expect(create.config?.`init`?.isEmpty == true)
        let stop = try JSONDecoder().decode(StopRequest.self, from: Data(#"{"signal":"SIGTERM","timeout":"0s","id":"x"}"#.utf8))
        #expect(stop.signal == .sigterm)
        #expect(stop.timeout == GoDuration(nanoseconds: 0))
        let app = try JSONDecoder().decode(CreateAppRequest.self, from: Data(#"{"app_name":"docs-app","org_slug":"personal"}"#.utf8))
        #expect(app.effectiveName == "docs-app")
        let metadata = try JSONDecoder().decode(MetadataUpdateRequest.self, from: Data(#"{"metadata":{"a":"1","b":null,"c":""},"machine_version":"v1"}"#.utf8))
        #expect(metadata.metadata["a"] == .some("1"))
        #expect(metadata.metadata["b"] == .some(nil))
        #expect(metadata.metadata["c"] == .some(""))
        #expect(metadata.machineVersion == "v1")
    }

    @Test("wait, start and lease answers use the documented keys")
    func answers() throws {
        let wait = try Self.json(WaitResponse(state: "started", version: "01HEPA330HZ37A78TK080NAK1M", eventID: "01HEPA330HZ37A78TK080NAK1N"))
        #expect(wait["ok"] as? Bool == true)
        #expect(wait["event_id"] as? String == "01HEPA330HZ37A78TK080NAK1N")
        let start = try Self.json(StartResponse(previousState: "stopped"))
        #expect(start["previous_state"] as? String == "stopped")
        #expect(start["migrated"] as? Bool == false)
        #expect(start["new_host"] as? String == "")
        let lease = try Self.json(LeaseEnvelope(data: .init(nonce: "5c35f65c9f95", expiresAt: 1_708_569_778, owner: "admin", description: "", version: "v")))
        #expect(lease["status"] as? String == "success")
        let data = try #require(lease["data"] as? [String: Any])
        #expect(data["nonce"] as? String == "5c35f65c9f95")
        #expect((data["expires_at"] as? NSNumber)?.int64Value == 1_708_569_778)
        let versions = try Self.json(MachineVersion(version: "v", userConfig: MachineConfig(image: "nginx")))
        #expect(versions["user_config"] != nil)
    }

    @Test("JSONValue round-trips numbers, nulls and nesting")
    func jsonValue() throws {
        let text = #"{"a":1,"b":1.5,"c":null,"d":[true,"x",{"e":-3}],"f":12345678901}"#
        let value = try Self.jsonValue(Data(text.utf8))
        #expect(value["a"] == .number(1))
        #expect(value["c"] == .null)
        #expect(value["d"] == .array([.bool(true), .string("x"), .object(["e": .number(-3)])]))
        let again = try Self.jsonValue(try JSONEncoder().encode(value))
        #expect(again == value)
        let object = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(value)) as? [String: Any])
        #expect(object["a"] as? Int == 1)
        #expect(object["f"] as? Int == 12_345_678_901)
    }
}

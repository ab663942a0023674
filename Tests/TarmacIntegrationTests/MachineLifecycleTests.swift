import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// End to end through a real `tarmac dev`, real runc and a real busybox image.
@Suite("Machine lifecycle (real tarmac dev + runc)", .serialized)
struct MachineLifecycleTests {
    @Test("quickstart: an httpd machine serves HTTP on its private IP, stops, starts and is destroyed")
    func httpdMachine() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("web")
            let machine = try await dev.createMachine(app: "web", body: [
                "name": "httpd-1",
                "config": ["image": "busybox-test:latest", "init": ["cmd": ["httpd", "-f", "-p", "8080", "-h", "/www"]], "guest": ["cpus": 1, "memory_mb": 256]],
            ])
            #expect(machine["state"] as? String == "created")
            let id = try #require(machine["id"] as? String)
            #expect(id.count == 14)
            let ip = try #require(machine["private_ip"] as? String)
            #expect(ip.hasPrefix(dev.subnet.replacingOccurrences(of: ".0/24", with: ".")))
            let imageRef = try #require(machine["image_ref"] as? [String: Any])
            #expect((imageRef["digest"] as? String)?.hasPrefix("sha256:") == true)

            let started = try await dev.wait(app: "web", id: id, state: "started")
            #expect(started["ok"] as? Bool == true)
            #expect(started["version"] as? String == machine["instance_id"] as? String)

            let body = try await fetch("http://\(ip):8080/index.html")
            #expect(body == "hello from tarmac\n")

            // Stop: default signal SIGINT; busybox httpd dies on it.
            let (stopStatus, _) = try await dev.request("POST", "/v1/apps/web/machines/\(id)/stop", body: ["signal": "SIGTERM", "timeout": "0s", "id": id])
            #expect(stopStatus == 200)
            _ = try await dev.wait(app: "web", id: id, state: "stopped")
            let events = try await dev.events(app: "web", id: id)
            let exit = try #require(events.first { $0["type"] as? String == "exit" })
            let exitEvent = try #require((exit["request"] as? [String: Any])?["exit_event"] as? [String: Any])
            #expect(exitEvent["requested_stop"] as? Bool == true)
            #expect(exitEvent["exited_at"] is String)
            #expect(events.first?["type"] as? String == "exit", "events are newest first")
            #expect(events.contains { $0["type"] as? String == "launch" })

            let (startStatus, start) = try await dev.json("POST", "/v1/apps/web/machines/\(id)/start")
            #expect(startStatus == 200)
            #expect(start?["previous_state"] as? String == "stopped")
            _ = try await dev.wait(app: "web", id: id, state: "started")
            #expect(try await fetch("http://\(ip):8080/index.html") == "hello from tarmac\n")

            // The default stop signal (SIGINT) reaches the process even though busybox httpd
            // has no handler for it: an init runs as PID 1 and forwards it.
            _ = try await dev.request("POST", "/v1/apps/web/machines/\(id)/stop")
            _ = try await dev.wait(app: "web", id: id, state: "stopped")
            let interrupted = try #require(try await exitEvents(dev, "web", id).first)
            #expect(interrupted["signal"] as? Int == 2)
            #expect(interrupted["requested_stop"] as? Bool == true)
            _ = try await dev.request("POST", "/v1/apps/web/machines/\(id)/start")
            _ = try await dev.wait(app: "web", id: id, state: "started")

            // Destroy without force is refused while started; with force it goes away.
            let (refused, _) = try await dev.request("DELETE", "/v1/apps/web/machines/\(id)")
            #expect(refused == 412)
            let (destroyed, _) = try await dev.request("DELETE", "/v1/apps/web/machines/\(id)?force=true")
            #expect(destroyed == 200)
            _ = try await dev.wait(app: "web", id: id, state: "destroyed")
            let (_, list) = try await dev.jsonArray("GET", "/v1/apps/web/machines")
            #expect(list.isEmpty)
            let (_, all) = try await dev.jsonArray("GET", "/v1/apps/web/machines?include_deleted=true")
            #expect(all.first?["state"] as? String == "destroyed")
            let leftovers = try await RuntimeLeftovers.find(prefix: dev.prefix, dataDirectory: dev.dataDirectory)
            #expect(leftovers == [])
        }
    }

    @Test("exit codes, restart policies and auto_destroy are reported in exit events")
    func exitsAndRestartPolicies() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("jobs")

            // restart no: one exit with code 3, then stopped.
            let once = try await dev.createMachine(app: "jobs", body: ["config": ["image": "busybox-test", "init": ["cmd": ["sh", "-c", "exit 3"]], "restart": ["policy": "no"]]])
            let onceID = try #require(once["id"] as? String)
            _ = try await dev.wait(app: "jobs", id: onceID, state: "stopped")
            let onceExit = try #require(try await exitEvents(dev, "jobs", onceID).first)
            #expect(onceExit["exit_code"] as? Int == 3)
            #expect(onceExit["restarting"] as? Bool == false)
            #expect(onceExit["requested_stop"] as? Bool == false)

            // on-failure with max_retries 2: three runs in all, restart_count reaches 2.
            let retry = try await dev.createMachine(app: "jobs", body: ["config": ["image": "busybox-test", "init": ["cmd": ["sh", "-c", "exit 1"]], "restart": ["policy": "on-failure", "max_retries": 2]]])
            let retryID = try #require(retry["id"] as? String)
            #expect(try await dev.eventually { try await exitEvents(dev, "jobs", retryID).count == 3 })
            _ = try await dev.wait(app: "jobs", id: retryID, state: "stopped")
            let retryEvents = try await dev.events(app: "jobs", id: retryID).filter { $0["type"] as? String == "exit" }
            let last = try #require(retryEvents.first?["request"] as? [String: Any])
            #expect(last["restart_count"] as? Int == 2)
            #expect((last["exit_event"] as? [String: Any])?["restarting"] as? Bool == false)

            // on-failure with a clean exit does not restart.
            let clean = try await dev.createMachine(app: "jobs", body: ["config": ["image": "busybox-test", "init": ["cmd": ["true"]]]])
            let cleanID = try #require(clean["id"] as? String)
            _ = try await dev.wait(app: "jobs", id: cleanID, state: "stopped")
            #expect(try await exitEvents(dev, "jobs", cleanID).count == 1)

            // always restarts even after exit 0.
            let always = try await dev.createMachine(app: "jobs", body: ["config": ["image": "busybox-test", "init": ["cmd": ["sh", "-c", "sleep 0.2"]], "restart": ["policy": "always"]]])
            let alwaysID = try #require(always["id"] as? String)
            #expect(try await dev.eventually { try await exitEvents(dev, "jobs", alwaysID).count >= 2 })
            let (stop, _) = try await dev.request("POST", "/v1/apps/jobs/machines/\(alwaysID)/stop")
            #expect(stop == 200)
            _ = try await dev.wait(app: "jobs", id: alwaysID, state: "stopped")

            // auto_destroy: the machine is destroyed once its process exits.
            let ephemeral = try await dev.createMachine(app: "jobs", body: ["config": ["image": "busybox-test", "init": ["cmd": ["true"]], "auto_destroy": true, "restart": ["policy": "no"]]])
            let ephemeralID = try #require(ephemeral["id"] as? String)
            _ = try await dev.wait(app: "jobs", id: ephemeralID, state: "destroyed")
        }
    }

    @Test("signals, stop timeouts and OOM kills are captured")
    func signalsAndStops() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("sig")
            // A process that ignores SIGINT: stop must escalate to SIGKILL after stop_config.timeout.
            let stubborn = try await dev.createMachine(app: "sig", body: ["config": [
                "image": "busybox-test", "init": ["cmd": ["sh", "-c", "trap '' INT; touch /tmp/trapped; while true; do sleep 0.1; done"]],
                "stop_config": ["timeout": "1s"], "restart": ["policy": "no"],
            ]])
            let stubbornID = try #require(stubborn["id"] as? String)
            _ = try await dev.wait(app: "sig", id: stubbornID, state: "started")
            // `started` means the process runs, not that the script has reached its trap yet.
            #expect(try await dev.eventually {
                let (_, result) = try await dev.json("POST", "/v1/apps/sig/machines/\(stubbornID)/exec", body: ["command": ["cat", "/tmp/trapped"]])
                return result?["exit_code"] as? Int == 0
            })
            let began = Date()
            _ = try await dev.request("POST", "/v1/apps/sig/machines/\(stubbornID)/stop")
            _ = try await dev.wait(app: "sig", id: stubbornID, state: "stopped")
            #expect(Date().timeIntervalSince(began) >= 0.9)
            let killed = try #require(try await exitEvents(dev, "sig", stubbornID).first)
            #expect(killed["signal"] as? Int == 9)
            #expect(killed["requested_stop"] as? Bool == true)

            // Signal by number (flyctl `machine kill` sends 9).
            let victim = try await dev.createMachine(app: "sig", body: ["config": ["image": "busybox-test", "init": ["cmd": ["sleep", "1000"]], "restart": ["policy": "no"]]])
            let victimID = try #require(victim["id"] as? String)
            _ = try await dev.wait(app: "sig", id: victimID, state: "started")
            let (signalled, _) = try await dev.request("POST", "/v1/apps/sig/machines/\(victimID)/signal", body: ["signal": 9])
            #expect(signalled == 200)
            _ = try await dev.wait(app: "sig", id: victimID, state: "stopped")
            let victimExit = try #require(try await exitEvents(dev, "sig", victimID).first)
            #expect(victimExit["signal"] as? Int == 9)
            #expect(victimExit["requested_stop"] as? Bool == false)

            // Signalling a stopped machine is refused.
            let (refused, refusal) = try await dev.json("POST", "/v1/apps/sig/machines/\(victimID)/signal", body: ["signal": "SIGTERM"])
            #expect(refused == 412)
            #expect((refusal?["error"] as? String)?.contains("failed_precondition") == true)

            // Suspend is refused clearly by the container runtime.
            let (suspend, suspendBody) = try await dev.json("POST", "/v1/apps/sig/machines/\(stubbornID)/suspend")
            #expect(suspend == 422)
            #expect((suspendBody?["error"] as? String)?.contains("cannot suspend") == true)

            // OOM: a shell doubling a string past 256 MB is killed by the memory cgroup.
            let hog = try await dev.createMachine(app: "sig", body: ["config": [
                "image": "busybox-test", "init": ["cmd": ["sh", "-c", "a=x; while true; do a=\"$a$a\"; done"]],
                "guest": ["memory_mb": 256], "restart": ["policy": "no"],
            ]])
            let hogID = try #require(hog["id"] as? String)
            _ = try await dev.wait(app: "sig", id: hogID, state: "stopped", timeout: 60)
            let oom = try #require(try await exitEvents(dev, "sig", hogID).first)
            #expect(oom["oom_killed"] as? Bool == true)
        }
    }

    @Test("env, cmd, entrypoint and exec precedence reach the process")
    func processConfiguration() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("env")
            let machine = try await dev.createMachine(app: "env", body: ["config": [
                "image": "busybox-test",
                "env": ["GREETING": "overridden", "EXTRA": "1"],
                "init": ["entrypoint": ["sh", "-c"], "cmd": ["echo \"$GREETING $EXTRA $FLY_APP_NAME $(pwd)\""]],
                "restart": ["policy": "no"],
            ]])
            let id = try #require(machine["id"] as? String)
            _ = try await dev.wait(app: "env", id: id, state: "stopped")
            let log = try String(contentsOf: dev.dataDirectory.appendingPathComponent("agent/logs/\(id).log"), encoding: .utf8)
            #expect(log.contains("overridden 1 env /"))
            // The agent collects the line into the machine's timestamped records.
            let records = dev.dataDirectory.appendingPathComponent("agent/logs/\(id).jsonl")
            #expect(try await dev.eventually(timeout: .seconds(5)) {
                let text = (try? String(contentsOf: records, encoding: .utf8)) ?? ""
                return text.contains("\"m\":\"overridden 1 env /\"") && text.contains("\"n\":1")
            }, "\((try? String(contentsOf: records, encoding: .utf8)) ?? "no records")")

            let exec = try await dev.createMachine(app: "env", body: ["config": [
                "image": "busybox-test", "init": ["exec": ["sh", "-c", "echo exec-wins"], "cmd": ["false"]], "restart": ["policy": "no"],
            ]])
            let execID = try #require(exec["id"] as? String)
            _ = try await dev.wait(app: "env", id: execID, state: "stopped")
            let execLog = try String(contentsOf: dev.dataDirectory.appendingPathComponent("agent/logs/\(execID).log"), encoding: .utf8)
            #expect(execLog.contains("exec-wins"))
            #expect(try await exitEvents(dev, "env", execID).first?["exit_code"] as? Int == 0)
        }
    }

    @Test("bad input leaves no machine and no runtime resources behind")
    func badInputLeavesNothing() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("bad")
            let cases: [(Any, Int, String)] = [
                (["config": ["image": "no-such-image:v1"]], 422, "config.image"),
                (["config": ["image": "UPPER/Case"]], 422, "config.image"),
                (["config": ["image": "busybox-test", "guest": ["memory_mb": 100]]], 422, "config.guest.memory_mb"),
                (["config": ["image": "busybox-test", "guest": ["cpus": 0]]], 422, "config.guest.cpus"),
                (["config": ["image": "busybox-test", "restart": ["policy": "sometimes"]]], 422, "config.restart.policy"),
                (["config": ["image": "busybox-test", "stop_config": ["timeout": "soon"]]], 422, "config.stop_config.timeout"),
                (["name": "Bad_Name", "config": ["image": "busybox-test"]], 422, "name"),
                (["config": [:] as [String: Any]], 422, "config.image"),
                (Data("{\"config\": ".utf8), 400, "invalid JSON"),
            ]
            for (body, status, text) in cases {
                let (code, data) = try await dev.request("POST", "/v1/apps/bad/machines", body: body)
                let message = String(decoding: data, as: UTF8.self)
                #expect(code == status, "\(message)")
                #expect(message.contains(text), "\(message)")
            }
            let (_, list) = try await dev.jsonArray("GET", "/v1/apps/bad/machines?include_deleted=true")
            #expect(list.isEmpty)
            let leftovers = try await RuntimeLeftovers.find(prefix: dev.prefix, dataDirectory: dev.dataDirectory)
            #expect(leftovers == [])
        }
    }

    @Test("a program missing from the image is a launch failure with a clear reason, and start can retry")
    func missingProgram() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("oops")
            let machine = try await dev.createMachine(app: "oops", body: ["config": ["image": "busybox-test", "init": ["cmd": ["no-such-program"]]]])
            let id = try #require(machine["id"] as? String)
            _ = try await dev.wait(app: "oops", id: id, state: "failed")
            let events = try await dev.events(app: "oops", id: id)
            let failure = try #require(events.first { $0["type"] as? String == "launch" && $0["status"] as? String == "failed" })
            let reason = try #require((failure["request"] as? [String: Any])?["error"] as? String)
            #expect(reason.contains("no-such-program"))
            let leftovers = try await RuntimeLeftovers.find(prefix: dev.prefix, dataDirectory: dev.dataDirectory)
            #expect(leftovers == [])
            // A failed machine can be destroyed without force.
            let (status, _) = try await dev.request("DELETE", "/v1/apps/oops/machines/\(id)")
            #expect(status == 200)
        }
    }

    private func exitEvents(_ dev: DevInstance, _ app: String, _ id: String) async throws -> [[String: Any]] {
        try await dev.events(app: app, id: id).filter { $0["type"] as? String == "exit" }.compactMap {
            ($0["request"] as? [String: Any])?["exit_event"] as? [String: Any]
        }
    }

    private func fetch(_ url: String) async throws -> String {
        try await HTTPFetch.text(url)
    }
    }

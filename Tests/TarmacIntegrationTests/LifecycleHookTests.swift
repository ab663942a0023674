import Foundation
import Testing

/// Lifecycle hooks (`config.hooks`) on real machines: a real `tarmac dev` + runc.
@Suite("Lifecycle hooks (real tarmac dev + runc)")
struct LifecycleHookTests {
    @Test("post_start runs inside the started machine; pre_stop runs before the stop signal, bounded by its timeout")
    func hooks() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("hooked")
            let (refused, body) = try await dev.json("POST", "/v1/apps/hooked/machines", body: ["config": ["image": "busybox-test", "hooks": ["pre_stop": [["timeout": "1s"]]]]])
            #expect(refused == 422)
            #expect((body?["error"] as? String)?.contains("config.hooks.pre_stop[0].exec") == true, "\(String(describing: body))")

            // The main process exits 0 on SIGINT only if pre_stop already ran (else 3).
            let main = "trap 'cat /tmp/drained >/dev/null 2>&1 && exit 0; exit 3' INT; while true; do sleep 0.1; done"
            let machine = try await dev.createMachine(app: "hooked", body: ["config": [
                "image": "busybox-test", "init": ["cmd": ["sh", "-c", main]], "restart": ["policy": "no"],
                "hooks": [
                    "post_start": [["exec": ["sh", "-c", "echo warmed > /tmp/warm; echo post-start-ran"]]],
                    "pre_stop": [
                        ["exec": ["sh", "-c", "touch /tmp/drained; echo drained"]],
                        ["exec": ["sleep", "100"], "timeout": "1s"],
                    ],
                ],
            ]])
            let id = try #require(machine["id"] as? String)
            _ = try await dev.wait(app: "hooked", id: id, state: "started")
            var events: [[String: Any]] = []
            func hooks() -> [[String: Any]] { events.filter { $0["type"] as? String == "hook" }.reversed() }
            #expect(try await dev.eventually {
                events = try await dev.events(app: "hooked", id: id)
                return hooks().count == 1
            })
            let post = try #require(hooks().first?["request"] as? [String: Any])
            #expect(hooks().first?["status"] as? String == "ok")
            #expect(post["hook"] as? String == "post_start" && post["stdout"] as? String == "post-start-ran\n", "\(post)")
            let (_, warm) = try await dev.json("POST", "/v1/apps/hooked/machines/\(id)/exec", body: ["command": ["cat", "/tmp/warm"]])
            #expect(warm?["stdout"] as? String == "warmed\n")

            let began = ContinuousClock.now
            #expect(try await dev.request("POST", "/v1/apps/hooked/machines/\(id)/stop").0 == 200)
            _ = try await dev.wait(app: "hooked", id: id, state: "stopped")
            #expect(ContinuousClock.now - began < .seconds(10), "the hanging hook is cut at its 1 s timeout")
            events = try await dev.events(app: "hooked", id: id)
            let preStop = hooks().dropFirst()
            #expect(preStop.map { $0["status"] as? String } == ["ok", "timed_out"], "\(preStop)")
            #expect((preStop.first?["request"] as? [String: Any])?["stdout"] as? String == "drained\n")
            let exit = try #require(events.first { $0["type"] as? String == "exit" })
            let exitEvent = (exit["request"] as? [String: Any])?["exit_event"] as? [String: Any]
            #expect(exitEvent?["exit_code"] as? Int == 0, "pre_stop ran before the stop signal: \(String(describing: exitEvent))")
        }
    }
}

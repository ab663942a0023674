import Foundation
import Testing

/// `kill -9` of `tarmac dev` while machines run, then a restart: running machines are
/// re-adopted untouched, machines that died meanwhile get their exit and restart policy,
/// and nothing is duplicated or orphaned.
@Suite("Crash safety (kill -9 of tarmac dev)", .serialized)
struct CrashSafetyTests {
    @Test("running machines are re-adopted and dead ones get exit events and their restart policy")
    func killNineAndRestart() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("crash")
            func machine(_ marker: Int, policy: String) async throws -> String {
                let created = try await dev.createMachine(app: "crash", body: ["config": [
                    "image": "busybox-test", "init": ["cmd": ["sh", "-c", "echo started; exec sleep \(marker)"]],
                    "restart": ["policy": policy, "max_retries": 3],
                ]])
                let id = try #require(created["id"] as? String)
                _ = try await dev.wait(app: "crash", id: id, state: "started")
                return id
            }
            let survivor = try await machine(7001, policy: "no")
            let restarted = try await machine(7002, policy: "on-failure")
            let died = try await machine(7003, policy: "no")
            let (_, before) = try await dev.json("GET", "/v1/apps/crash/machines/\(survivor)")
            let instance = try #require(before?["instance_id"] as? String)

            dev.kill9()
            // While the control plane and agent are down, two machines' processes die.
            try Shell.run("pkill", ["-KILL", "-f", "^sleep 7002"])
            try Shell.run("pkill", ["-KILL", "-f", "^sleep 7003"])
            try await Task.sleep(for: .milliseconds(300))
            try await dev.launch()

            // The survivor was never touched: same instance, still started, started once.
            let (_, after) = try await dev.json("GET", "/v1/apps/crash/machines/\(survivor)")
            #expect(after?["state"] as? String == "started")
            #expect(after?["instance_id"] as? String == instance)
            #expect(try startCount(dev, survivor) == 1)
            #expect(!Shell.lines("pgrep", ["-f", "^sleep 7001"]).isEmpty)

            // on-failure: the SIGKILL is an exit with signal 9, then a restart.
            #expect(try await dev.eventually { try startCount(dev, restarted) == 2 })
            _ = try await dev.wait(app: "crash", id: restarted, state: "started")
            let restartExit = try #require(try await exitEvents(dev, restarted).first)
            #expect(restartExit["signal"] as? Int == 9)
            #expect(restartExit["restarting"] as? Bool == true)

            // restart no: it is stopped, with the exit recorded.
            _ = try await dev.wait(app: "crash", id: died, state: "stopped")
            #expect(try await exitEvents(dev, died).first?["signal"] as? Int == 9)

            // Nothing duplicated: three machines, two containers (survivor and restarted).
            let (_, list) = try await dev.jsonArray("GET", "/v1/apps/crash/machines")
            #expect(list.count == 3)
            let containers = Shell.lines("runc", ["--root", dev.dataDirectory.appendingPathComponent("agent/runc").path, "list", "-q"])
            #expect(containers.count == 2, "\(containers)")
            #expect(Shell.lines("pgrep", ["-f", "^sleep 7001"]).count == 1)

            // And after destroying everything nothing is left on the host.
            for id in [survivor, restarted, died] {
                let (status, _) = try await dev.request("DELETE", "/v1/apps/crash/machines/\(id)?force=true")
                #expect(status == 200)
                _ = try await dev.wait(app: "crash", id: id, state: "destroyed")
            }
            _ = try await dev.eventually { try await RuntimeLeftovers.find(prefix: dev.prefix, dataDirectory: dev.dataDirectory).isEmpty }
            let leftovers = try await RuntimeLeftovers.find(prefix: dev.prefix, dataDirectory: dev.dataDirectory)
            #expect(leftovers == [])
        }
    }

    @Test("a graceful restart of tarmac dev keeps machines running too")
    func gracefulRestart() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("calm")
            let created = try await dev.createMachine(app: "calm", body: ["config": ["image": "busybox-test", "init": ["cmd": ["sh", "-c", "echo started; exec sleep 7100"]]]])
            let id = try #require(created["id"] as? String)
            _ = try await dev.wait(app: "calm", id: id, state: "started")
            dev.stop()
            #expect(!Shell.lines("pgrep", ["-f", "^sleep 7100"]).isEmpty, "machines outlive the agent")
            try await dev.launch()
            let (_, machine) = try await dev.json("GET", "/v1/apps/calm/machines/\(id)")
            #expect(machine?["state"] as? String == "started")
            #expect(try startCount(dev, id) == 1)
            // The re-adopted machine still answers to stop.
            _ = try await dev.request("POST", "/v1/apps/calm/machines/\(id)/stop")
            _ = try await dev.wait(app: "calm", id: id, state: "stopped")
        }
    }

    private func startCount(_ dev: DevInstance, _ id: String) throws -> Int {
        let log = (try? String(contentsOf: dev.dataDirectory.appendingPathComponent("agent/logs/\(id).log"), encoding: .utf8)) ?? ""
        return log.split(separator: "\n").filter { $0 == "started" }.count
    }

    private func exitEvents(_ dev: DevInstance, _ id: String) async throws -> [[String: Any]] {
        try await dev.events(app: "crash", id: id).filter { $0["type"] as? String == "exit" }.compactMap {
            ($0["request"] as? [String: Any])?["exit_event"] as? [String: Any]
        }
    }
}

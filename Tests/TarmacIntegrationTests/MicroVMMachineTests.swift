import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The whole microVM path through the API: a real `tarmac dev --runtime microvm` booting the
/// project's guest kernel and tarmac-init under QEMU (TCG where KVM does not work), with
/// machines from a real local registry.
@Suite("MicroVM machines (real tarmac dev --runtime microvm + QEMU)", .serialized)
struct MicroVMMachineTests {
    static let httpd = ["sh", "-c", "echo tarmac-vm-says-hello; trap 'echo usr1 > /tmp/usr1' USR1; httpd -p 8080 -h /www; while true; do sleep 0.2; done"]

    @Test("a registry image runs as a microVM: private IP, exec inside the guest, restart")
    func registryImageExecAndRestart() async throws {
        let registry = try LocalRegistry()
        try await registry.start()
        defer { registry.stop() }
        try await DevInstance.with(runtime: .microvm) { dev in
            try dev.importBusybox()
            let push = try dev.cli(["image", "push", "busybox-test:latest", "\(registry.host)/app:v1"])
            #expect(push.status == 0, "\(push.stderr)")
            #expect(try dev.cli(["image", "rm", "busybox-test:latest"]).status == 0)

            try await dev.createApp("vm")
            let machine = try await dev.createMachine(app: "vm", body: [
                "config": [
                    "image": "\(registry.host)/app:v1", "init": ["cmd": Self.httpd], "restart": ["policy": "no"],
                    "checks": ["web": ["type": "http", "port": 8080, "path": "/index.html", "interval": "1s", "kind": "readiness"]],
                    "hooks": [
                        "post_start": [["exec": ["sh", "-c", "echo hooked > /tmp/hooked"]]],
                        "pre_stop": [["exec": ["sh", "-c", "echo bye"], "timeout": "5s"]],
                    ],
                ],
            ])
            let id = try #require(machine["id"] as? String)
            #expect(machine["runtime"] as? String == "microvm")
            _ = try await dev.wait(app: "vm", id: id, state: "started", timeout: 60)
            let (_, view) = try await dev.json("GET", "/v1/apps/vm/machines/\(id)")
            #expect(view?["runtime"] as? String == "microvm")
            #expect(try await dev.jsonArray("GET", "/v1/apps/vm/machines").1.first?["runtime"] as? String == "microvm")
            #expect((view?["image_ref"] as? [String: Any])?["registry"] as? String == registry.host)
            let ip = try #require(view?["private_ip"] as? String)
            #expect(try await fetch("http://\(ip):8080/index.html") == "hello from tarmac\n")
            #expect(!RuntimeLeftovers.qemuProcesses(prefix: dev.prefix).isEmpty, "the machine is a QEMU process")
            // /metrics shows the VM's QEMU process: CPU time and resident memory.
            let metrics = String(decoding: try await dev.request("GET", "/metrics").1, as: UTF8.self)
            #expect(metrics.contains("tarmac_machine_memory_bytes{machine_id=\"\(id)\",app=\"vm\",runtime=\"microvm\"}"), "\(metrics.suffix(2000))")
            // The post_start hook ran inside the guest (through tarmac-init's exec).
            #expect(try await dev.eventually {
                try await dev.json("POST", "/v1/apps/vm/machines/\(id)/exec", body: ["command": ["cat", "/tmp/hooked"]]).1?["stdout"] as? String == "hooked\n"
            })
            // The agent probes the guest's service over the host network.
            #expect(try await dev.eventually {
                let checks = try await dev.json("GET", "/v1/apps/vm/machines/\(id)").1?["checks"] as? [[String: Any]]
                return checks?.first?["status"] as? String == "passing" && (checks?.first?["output"] as? String)?.contains(": 200 OK") == true
            })

            // Exec runs inside the guest: its kernel, tarmac-init as PID 1.
            let path = "/v1/apps/vm/machines/\(id)/exec"
            let guestKernel = try String(contentsOfFile: DevInstance.guestDirectory + "/kernel-version", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let (status, uname) = try await dev.json("POST", path, body: ["command": ["uname", "-r"]])
            #expect(status == 200)
            #expect(uname?["stdout"] as? String == guestKernel + "\n")
            #expect(uname?["exit_code"] as? Int == 0)
            let (_, comm) = try await dev.json("POST", path, body: ["cmd": "cat /proc/1/comm"])
            #expect(comm?["stdout"] as? String == "init\n")
            let (_, input) = try await dev.json("POST", path, body: ["command": ["sh", "-c", "read line; echo \"got $line\"; echo err >&2; exit 5"], "stdin": "hi\n"])
            #expect(input?["stdout"] as? String == "got hi\n")
            #expect(input?["stderr"] as? String == "err\n")
            #expect(input?["exit_code"] as? Int == 5)
            let began = ContinuousClock.now
            let (_, slow) = try await dev.json("POST", path, body: ["command": ["sleep", "60"], "timeout": 1])
            #expect(slow?["timed_out"] as? Bool == true)
            #expect(slow?["exit_signal"] as? Int == 9)
            #expect(ContinuousClock.now - began < .seconds(15))
            let cli = try dev.cli(["machine", "exec", id, "-a", "vm", "--", "sh", "-c", "uname -r; exit 7"])
            #expect(cli.status == 7, "\(cli.stderr)")
            #expect(cli.stdout == guestKernel + "\n")
            let piped = try Shell.run("/bin/sh", ["-c", "printf piped | \"$TARMAC\" machine exec \"$ID\" -a vm -i -- sh -c 'tr a-z A-Z'"], environment: [
                "TARMAC": try TestPaths.tarmac, "ID": id, "TARMAC_API_URL": dev.baseURL, "TARMAC_API_TOKEN": dev.token,
            ])
            #expect(piped.status == 0, "\(piped.stderr)")
            #expect(piped.stdout == "PIPED")
            let timedOut = try dev.cli(["machine", "exec", id, "-a", "vm", "--timeout", "1", "--", "sleep", "30"])
            #expect(timedOut.status == 124)

            // Signals reach the main process through init: its USR1 trap runs.
            let (signalled, _) = try await dev.request("POST", "/v1/apps/vm/machines/\(id)/signal", body: ["signal": "SIGUSR1"])
            #expect(signalled == 200)
            #expect(try await dev.eventually {
                try await dev.json("POST", path, body: ["command": ["cat", "/tmp/usr1"]]).1?["stdout"] as? String == "usr1\n"
            })

            // Restart: a new VM (another QEMU process, a cold boot from the image: the trap's
            // file is gone) of the same machine version, serving again.
            let instance = try #require(view?["instance_id"] as? String)
            let qemu = RuntimeLeftovers.qemuProcesses(prefix: dev.prefix)
            let (restarted, _) = try await dev.request("POST", "/v1/apps/vm/machines/\(id)/restart")
            #expect(restarted == 200)
            #expect(try await dev.eventually(timeout: .seconds(60)) {
                let (_, now) = try await dev.json("GET", "/v1/apps/vm/machines/\(id)")
                let running = RuntimeLeftovers.qemuProcesses(prefix: dev.prefix)
                return now?["state"] as? String == "started" && !running.isEmpty && running != qemu
            })
            // The restart's stop ran the pre_stop hook inside the guest first.
            let preStop = try await dev.events(app: "vm", id: id).first {
                $0["type"] as? String == "hook" && ($0["request"] as? [String: Any])?["hook"] as? String == "pre_stop"
            }
            #expect(preStop?["status"] as? String == "ok" && (preStop?["request"] as? [String: Any])?["stdout"] as? String == "bye\n", "\(String(describing: preStop))")
            let (_, afterRestart) = try await dev.json("GET", "/v1/apps/vm/machines/\(id)")
            #expect(afterRestart?["instance_id"] as? String == instance)
            // The guest's console is the machine's log: the greeting of both boots, numbered
            // without a gap, read through `tarmac logs`.
            var logLines: [[String: Any]] = []
            #expect(try await dev.eventually(timeout: .seconds(20)) {
                let output = try dev.cli(["logs", "-a", "vm", "--machine", id, "--limit", "10000", "--json"])
                logLines = output.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                return logLines.filter { ($0["message"] as? String)?.hasSuffix("tarmac-vm-says-hello") == true }.count == 2
            }, "\(logLines.suffix(20))")
            let logNumbers = logLines.compactMap { $0["number"] as? Int }
            #expect(logNumbers == Array(1...max(1, logNumbers.count)), "\(logNumbers.prefix(20))")
            #expect(try await fetch("http://\(ip):8080/index.html") == "hello from tarmac\n")
            let (_, fresh) = try await dev.json("POST", path, body: ["command": ["cat", "/tmp/usr1"]])
            #expect(fresh?["exit_code"] as? Int == 1)
            #expect(RuntimeLeftovers.qemuProcesses(prefix: dev.prefix).count == 1)

            let (destroyed, _) = try await dev.request("DELETE", "/v1/apps/vm/machines/\(id)?force=true")
            #expect(destroyed == 200)
            _ = try await dev.wait(app: "vm", id: id, state: "destroyed")
            try await expectNothingLeft(dev)
        }
    }

    @Test("exit codes, a trapped stop signal and a stop timeout escalating to a kill")
    func exitsAndStops() async throws {
        try await DevInstance.with(runtime: .microvm) { dev in
            try dev.importBusybox()
            try await dev.createApp("exits")

            // restart no: exit 3 is one exit event with code 3, then stopped.
            let once = try await dev.createMachine(app: "exits", body: ["config": ["image": "busybox-test", "init": ["cmd": ["sh", "-c", "exit 3"]], "restart": ["policy": "no"]]])
            let onceID = try #require(once["id"] as? String)
            _ = try await dev.wait(app: "exits", id: onceID, state: "stopped", timeout: 60)
            let onceExits = try await exitEvents(dev, "exits", onceID)
            #expect(onceExits.count == 1)
            #expect(onceExits.first?["exit_code"] as? Int == 3)
            #expect(onceExits.first?["requested_stop"] as? Bool == false)
            #expect(onceExits.first?["restarting"] as? Bool == false)

            // on-failure with max_retries 1: the VM is booted twice, then the machine is stopped.
            let retry = try await dev.createMachine(app: "exits", body: ["config": [
                "image": "busybox-test", "init": ["cmd": ["sh", "-c", "exit 1"]], "restart": ["policy": "on-failure", "max_retries": 1],
            ]])
            let retryID = try #require(retry["id"] as? String)
            #expect(try await dev.eventually(timeout: .seconds(60)) { try await exitEvents(dev, "exits", retryID).count == 2 })
            _ = try await dev.wait(app: "exits", id: retryID, state: "stopped", timeout: 60)
            #expect(try await exitEvents(dev, "exits", retryID).map { $0["restarting"] as? Bool } == [false, true])

            // A program missing from the image: a launch failure naming it, nothing left running.
            let missing = try await dev.createMachine(app: "exits", body: ["config": ["image": "busybox-test", "init": ["cmd": ["no-such-program"]]]])
            let missingID = try #require(missing["id"] as? String)
            _ = try await dev.wait(app: "exits", id: missingID, state: "failed", timeout: 60)
            let failure = try #require(try await dev.events(app: "exits", id: missingID).first { $0["type"] as? String == "launch" && $0["status"] as? String == "failed" })
            let reason = (failure["request"] as? [String: Any])?["error"] as? String ?? ""
            #expect(reason.contains("no-such-program"), "\(reason)")
            #expect(try await dev.eventually { RuntimeLeftovers.qemuProcesses(prefix: dev.prefix).isEmpty })

            // Stop with SIGTERM: the main process traps it and exits with its own code.
            let polite = try await dev.createMachine(app: "exits", body: ["config": [
                "image": "busybox-test", "init": ["cmd": ["sh", "-c", "trap 'exit 42' TERM; touch /tmp/ready; while true; do sleep 0.1; done"]],
                "restart": ["policy": "no"],
            ]])
            let politeID = try #require(polite["id"] as? String)
            _ = try await dev.wait(app: "exits", id: politeID, state: "started", timeout: 60)
            try await untilReady(dev, "exits", politeID)
            let (stopped, _) = try await dev.request("POST", "/v1/apps/exits/machines/\(politeID)/stop", body: ["signal": "SIGTERM", "timeout": "10s"])
            #expect(stopped == 200)
            _ = try await dev.wait(app: "exits", id: politeID, state: "stopped", timeout: 60)
            let politeExit = try #require(try await exitEvents(dev, "exits", politeID).first)
            #expect(politeExit["exit_code"] as? Int == 42)
            #expect(politeExit["requested_stop"] as? Bool == true)

            // A process that ignores the stop signal is killed after stop_config.timeout.
            let stubborn = try await dev.createMachine(app: "exits", body: ["config": [
                "image": "busybox-test", "init": ["cmd": ["sh", "-c", "trap '' INT TERM; touch /tmp/ready; while true; do sleep 0.1; done"]],
                "stop_config": ["timeout": "1s", "signal": "SIGTERM"], "restart": ["policy": "no"],
            ]])
            let stubbornID = try #require(stubborn["id"] as? String)
            _ = try await dev.wait(app: "exits", id: stubbornID, state: "started", timeout: 60)
            try await untilReady(dev, "exits", stubbornID)
            let began = Date()
            _ = try await dev.request("POST", "/v1/apps/exits/machines/\(stubbornID)/stop")
            _ = try await dev.wait(app: "exits", id: stubbornID, state: "stopped", timeout: 60)
            #expect(Date().timeIntervalSince(began) >= 0.9)
            let killed = try #require(try await exitEvents(dev, "exits", stubbornID).first)
            #expect(killed["signal"] as? Int == 9, "\(killed)")
            #expect(killed["requested_stop"] as? Bool == true)

            // OOM: the guest kernel kills a shell doubling a string past the VM's memory.
            let hog = try await dev.createMachine(app: "exits", body: ["config": [
                "image": "busybox-test", "init": ["cmd": ["sh", "-c", "a=x; while true; do a=\"$a$a\"; done"]],
                "guest": ["memory_mb": 256], "restart": ["policy": "no"],
            ]])
            let hogID = try #require(hog["id"] as? String)
            _ = try await dev.wait(app: "exits", id: hogID, state: "stopped", timeout: 60)
            let oom = try #require(try await exitEvents(dev, "exits", hogID).first)
            #expect(oom["oom_killed"] as? Bool == true, "\(oom)")
            #expect(oom["signal"] as? Int == 9)
            #expect(try await dev.eventually { RuntimeLeftovers.qemuProcesses(prefix: dev.prefix).isEmpty })
        }
    }

    @Test("suspend and resume keep the guest's memory; a suspended machine can be stopped")
    func suspendAndResume() async throws {
        try await DevInstance.with(runtime: .microvm) { dev in
            try dev.importBusybox()
            try await dev.createApp("sleepy")
            // The counter lives in the shell's memory; the file only shows it.
            let machine = try await dev.createMachine(app: "sleepy", body: ["config": [
                "image": "busybox-test", "init": ["cmd": ["sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 0.1; done"]],
                "restart": ["policy": "no"],
            ]])
            let id = try #require(machine["id"] as? String)
            _ = try await dev.wait(app: "sleepy", id: id, state: "started", timeout: 60)
            let path = "/v1/apps/sleepy/machines/\(id)"
            func count() async throws -> Int {
                let (_, result) = try await dev.json("POST", path + "/exec", body: ["command": ["cat", "/tmp/count"]])
                return Int((result?["stdout"] as? String ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            }
            func bootID() async throws -> String {
                try await dev.json("POST", path + "/exec", body: ["command": ["cat", "/proc/sys/kernel/random/boot_id"]]).1?["stdout"] as? String ?? ""
            }
            #expect(try await dev.eventually { try await count() >= 10 })
            let before = try await count()
            let boot = try await bootID()
            let (_, started) = try await dev.json("GET", path)
            let instance = try #require(started?["instance_id"] as? String)

            let (suspended, suspendBody) = try await dev.json("POST", path + "/suspend")
            #expect(suspended == 200, "\(String(describing: suspendBody))")
            _ = try await dev.wait(app: "sleepy", id: id, state: "suspended", timeout: 60)
            #expect(RuntimeLeftovers.qemuProcesses(prefix: dev.prefix).isEmpty, "a suspended machine has no QEMU")
            let (execSuspended, _) = try await dev.request("POST", path + "/exec", body: ["command": ["true"]])
            #expect(execSuspended == 412)
            #expect(try await dev.request("POST", path + "/signal", body: ["signal": "SIGUSR1"]).0 == 412)

            let (resumed, _) = try await dev.request("POST", path + "/start")
            #expect(resumed == 200)
            _ = try await dev.wait(app: "sleepy", id: id, state: "started", timeout: 60)
            let after = try await count()
            #expect(after >= before, "resumed, not rebooted: \(before) → \(after)")
            #expect(try await bootID() == boot)
            #expect(try await dev.eventually { try await count() > after }, "the counter keeps counting")
            let (_, resumedView) = try await dev.json("GET", path)
            #expect(resumedView?["instance_id"] as? String == instance)
            #expect(try await exitEvents(dev, "sleepy", id).isEmpty, "a suspend is not an exit")

            // Stopping a suspended machine discards the snapshot: it is stopped, and the next
            // start is a cold boot.
            #expect(try await dev.request("POST", path + "/suspend").0 == 200)
            _ = try await dev.wait(app: "sleepy", id: id, state: "suspended", timeout: 60)
            #expect(try await dev.request("POST", path + "/stop").0 == 200)
            _ = try await dev.wait(app: "sleepy", id: id, state: "stopped", timeout: 60)
            #expect(RuntimeLeftovers.qemuProcesses(prefix: dev.prefix).isEmpty)
            #expect(try await dev.request("POST", path + "/start").0 == 200)
            _ = try await dev.wait(app: "sleepy", id: id, state: "started", timeout: 60)
            #expect(try await bootID() != boot)
            #expect(try await dev.request("POST", path + "/stop", body: ["signal": "SIGKILL"]).0 == 200)
            _ = try await dev.wait(app: "sleepy", id: id, state: "stopped", timeout: 60)

            // Updating a suspended machine discards the snapshot and boots the new version.
            #expect(try await dev.request("POST", path + "/start").0 == 200)
            _ = try await dev.wait(app: "sleepy", id: id, state: "started", timeout: 60)
            let coldBoot = try await bootID()
            #expect(try await dev.request("POST", path + "/suspend").0 == 200)
            _ = try await dev.wait(app: "sleepy", id: id, state: "suspended", timeout: 60)
            let (updated, updateBody) = try await dev.json("POST", path, body: ["config": [
                "image": "busybox-test", "init": ["cmd": ["sh", "-c", "while true; do sleep 0.2; done"]], "env": ["VERSION": "two"],
                "restart": ["policy": "no"],
            ]])
            #expect(updated == 200, "\(String(describing: updateBody))")
            let newVersion = try #require(updateBody?["instance_id"] as? String)
            #expect(newVersion != instance)
            _ = try await dev.wait(app: "sleepy", id: id, state: "started", timeout: 60)
            let (_, env) = try await dev.json("POST", path + "/exec", body: ["command": ["sh", "-c", "echo $VERSION"]])
            #expect(env?["stdout"] as? String == "two\n")
            #expect(try await bootID() != coldBoot)

            // A suspended machine destroyed with force leaves nothing behind (its snapshot neither).
            #expect(try await dev.request("POST", path + "/suspend").0 == 200)
            _ = try await dev.wait(app: "sleepy", id: id, state: "suspended", timeout: 60)
            #expect(try await dev.request("DELETE", path + "?force=true").0 == 200)
            _ = try await dev.wait(app: "sleepy", id: id, state: "destroyed")
            try await expectNothingLeft(dev)
        }
    }

    @Test("kill -9 of tarmac dev: the running microVM is re-adopted untouched and still answers")
    func readoption() async throws {
        try await DevInstance.with(runtime: .microvm) { dev in
            try dev.importBusybox()
            try await dev.createApp("adopt")
            let machine = try await dev.createMachine(app: "adopt", body: ["config": [
                "image": "busybox-test", "init": ["cmd": Self.httpd], "restart": ["policy": "no"],
            ]])
            let id = try #require(machine["id"] as? String)
            _ = try await dev.wait(app: "adopt", id: id, state: "started", timeout: 60)
            let (_, before) = try await dev.json("GET", "/v1/apps/adopt/machines/\(id)")
            let instance = try #require(before?["instance_id"] as? String)
            let ip = try #require(before?["private_ip"] as? String)
            #expect(try await fetch("http://\(ip):8080/index.html") == "hello from tarmac\n")
            let qemu = RuntimeLeftovers.qemuProcesses(prefix: dev.prefix)
            #expect(qemu.count == 1)
            // A second machine whose process exits while tarmac dev is down.
            let dying = try await dev.createMachine(app: "adopt", body: ["config": [
                "image": "busybox-test", "init": ["cmd": ["sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.1; done; sleep 3; exit 4"]],
                "restart": ["policy": "no"],
            ]])
            let dyingID = try #require(dying["id"] as? String)
            _ = try await dev.wait(app: "adopt", id: dyingID, state: "started", timeout: 60)
            // Guests reach each other on the bridge.
            let dyingExec = "/v1/apps/adopt/machines/\(dyingID)/exec"
            let (_, neighbour) = try await dev.json("POST", dyingExec, body: ["command": ["wget", "-qO-", "http://\(ip):8080/index.html"], "timeout": 10])
            #expect(neighbour?["stdout"] as? String == "hello from tarmac\n", "\(String(describing: neighbour))")
            #expect(try await dev.json("POST", dyingExec, body: ["command": ["touch", "/tmp/go"]]).1?["exit_code"] as? Int == 0)

            dev.kill9()
            #expect(try await dev.eventually(timeout: .seconds(30)) { RuntimeLeftovers.qemuProcesses(prefix: dev.prefix) == qemu },
                    "the dying VM powers off, the other outlives tarmac dev")
            try await dev.launch()

            // The exit that happened meanwhile is picked up from the guest's exit report.
            _ = try await dev.wait(app: "adopt", id: dyingID, state: "stopped", timeout: 30)
            let dyingExit = try #require(try await exitEvents(dev, "adopt", dyingID).first)
            #expect(dyingExit["exit_code"] as? Int == 4, "\(dyingExit)")
            #expect(dyingExit["requested_stop"] as? Bool == false)

            let (_, after) = try await dev.json("GET", "/v1/apps/adopt/machines/\(id)")
            #expect(after?["state"] as? String == "started")
            #expect(after?["instance_id"] as? String == instance)
            #expect(RuntimeLeftovers.qemuProcesses(prefix: dev.prefix) == qemu, "the same QEMU process")
            #expect(try await fetch("http://\(ip):8080/index.html") == "hello from tarmac\n")
            #expect(try await exitEvents(dev, "adopt", id).isEmpty)
            // The new agent talks to init again.
            let (_, exec) = try await dev.json("POST", "/v1/apps/adopt/machines/\(id)/exec", body: ["command": ["echo", "adopted"]])
            #expect(exec?["stdout"] as? String == "adopted\n")

            // The re-adopted VM can be suspended; a suspended machine survives another kill -9
            // and resumes afterwards.
            let boot = try await dev.json("POST", "/v1/apps/adopt/machines/\(id)/exec", body: ["command": ["cat", "/proc/sys/kernel/random/boot_id"]]).1?["stdout"] as? String
            #expect(try await dev.request("POST", "/v1/apps/adopt/machines/\(id)/suspend").0 == 200)
            _ = try await dev.wait(app: "adopt", id: id, state: "suspended", timeout: 60)
            dev.kill9()
            try await dev.launch()
            let (_, stillSuspended) = try await dev.json("GET", "/v1/apps/adopt/machines/\(id)")
            #expect(stillSuspended?["state"] as? String == "suspended")
            #expect(try await dev.request("POST", "/v1/apps/adopt/machines/\(id)/start").0 == 200)
            _ = try await dev.wait(app: "adopt", id: id, state: "started", timeout: 60)
            let resumedBoot = try await dev.json("POST", "/v1/apps/adopt/machines/\(id)/exec", body: ["command": ["cat", "/proc/sys/kernel/random/boot_id"]]).1?["stdout"] as? String
            #expect(resumedBoot == boot, "resumed, not rebooted")
            #expect(try await fetch("http://\(ip):8080/index.html") == "hello from tarmac\n")

            // A graceful restart of tarmac dev leaves the VM running too.
            let resumedQEMU = RuntimeLeftovers.qemuProcesses(prefix: dev.prefix)
            dev.stop()
            #expect(RuntimeLeftovers.qemuProcesses(prefix: dev.prefix) == resumedQEMU, "the VM outlives a graceful stop")
            try await dev.launch()
            #expect(try await dev.json("GET", "/v1/apps/adopt/machines/\(id)").1?["state"] as? String == "started")
            #expect(try await dev.json("POST", "/v1/apps/adopt/machines/\(id)/exec", body: ["command": ["echo", "again"]]).1?["stdout"] as? String == "again\n")

            #expect(try await dev.request("POST", "/v1/apps/adopt/machines/\(id)/stop").0 == 200)
            _ = try await dev.wait(app: "adopt", id: id, state: "stopped", timeout: 60)
            #expect(try await exitEvents(dev, "adopt", id).first?["requested_stop"] as? Bool == true)
            #expect(try await dev.eventually { RuntimeLeftovers.qemuProcesses(prefix: dev.prefix).isEmpty })
            let (destroyed, _) = try await dev.request("DELETE", "/v1/apps/adopt/machines/\(id)?force=true")
            #expect(destroyed == 200)
            _ = try await dev.wait(app: "adopt", id: id, state: "destroyed")
            try await expectNothingLeft(dev)
        }
    }

    /// `started` means init spawned the main process; under TCG its shell may not have set
    /// its traps yet. The commands touch /tmp/ready once they have.
    private func untilReady(_ dev: DevInstance, _ app: String, _ id: String) async throws {
        let ready = try await dev.eventually(timeout: .seconds(30)) {
            try await dev.json("POST", "/v1/apps/\(app)/machines/\(id)/exec", body: ["command": ["cat", "/tmp/ready"]]).1?["exit_code"] as? Int == 0
        }
        #expect(ready, "the main process set its traps")
    }

    /// After the machines are destroyed: no QEMU, TAP or mount of the instance, and no snapshot.
    private func expectNothingLeft(_ dev: DevInstance) async throws {
        _ = try await dev.eventually { try await RuntimeLeftovers.find(prefix: dev.prefix, dataDirectory: dev.dataDirectory).isEmpty }
        let leftovers = try await RuntimeLeftovers.find(prefix: dev.prefix, dataDirectory: dev.dataDirectory)
        #expect(leftovers == [])
        let snapshots = Shell.lines("find", [dev.dataDirectory.path, "-name", "snapshot"])
        #expect(snapshots == [], "no snapshot is left")
    }

    private func exitEvents(_ dev: DevInstance, _ app: String, _ id: String) async throws -> [[String: Any]] {
        try await dev.events(app: app, id: id).filter { $0["type"] as? String == "exit" }.compactMap {
            ($0["request"] as? [String: Any])?["exit_event"] as? [String: Any]
        }
    }

    /// GET with retries: the guest's httpd may still be starting when the machine is `started`.
    private func fetch(_ url: String) async throws -> String {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.timeoutInterval = 5
        var lastError: (any Error)?
        for _ in 0..<100 {
            do {
                let (data, _) = try await URLSession.shared.data(for: request)
                return String(decoding: data, as: UTF8.self)
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw FixtureError("could not fetch \(url): \(String(describing: lastError))")
    }
}

/// Long work runs off the machine's supervisor loop: a stop or destroy during a TCG boot is
/// answered at once and cancels the boot, on real QEMU.
@Suite("MicroVM: stop and destroy during a boot", .serialized)
struct MicroVMCancelBootTests {
    @Test("stop during a boot answers at once and leaves the machine stopped; forced destroy likewise, with no QEMU left")
    func stopAndDestroyDuringBoot() async throws {
        try await DevInstance.with(runtime: .microvm) { dev in
            try dev.importBusybox()
            try await dev.createApp("boot")
            let body: [String: Any] = ["config": ["image": "busybox-test:latest", "init": ["cmd": ["sleep", "3600"]], "restart": ["policy": "no"]]]
            let first = try #require(try await dev.createMachine(app: "boot", body: body)["id"] as? String)
            let began = ContinuousClock.now
            let (stopStatus, _) = try await dev.request("POST", "/v1/apps/boot/machines/\(first)/stop", body: [String: Any]())
            let stopTook = ContinuousClock.now - began
            #expect(stopStatus == 200)
            #expect(stopTook < .milliseconds(1500), "stop waited for the boot: \(stopTook)")
            _ = try await dev.wait(app: "boot", id: first, state: "stopped", timeout: 30)

            let second = try #require(try await dev.createMachine(app: "boot", body: body)["id"] as? String)
            let destroyBegan = ContinuousClock.now
            let (destroyStatus, _) = try await dev.request("DELETE", "/v1/apps/boot/machines/\(second)?force=true")
            let destroyTook = ContinuousClock.now - destroyBegan
            #expect(destroyStatus == 200)
            #expect(destroyTook < .milliseconds(1500), "destroy waited for the boot: \(destroyTook)")
            _ = try await dev.wait(app: "boot", id: second, state: "destroyed", timeout: 30)

            // The stopped one starts normally afterwards; then nothing is left once it is gone.
            _ = try await dev.request("POST", "/v1/apps/boot/machines/\(first)/start")
            _ = try await dev.wait(app: "boot", id: first, state: "started", timeout: 60)
            _ = try await dev.request("DELETE", "/v1/apps/boot/machines/\(first)?force=true")
            _ = try await dev.wait(app: "boot", id: first, state: "destroyed", timeout: 30)
            let clean = try await dev.eventually(timeout: .seconds(20)) {
                try await RuntimeLeftovers.find(prefix: dev.prefix, dataDirectory: dev.dataDirectory).isEmpty
            }
            let leftovers = try await RuntimeLeftovers.find(prefix: dev.prefix, dataDirectory: dev.dataDirectory)
            #expect(clean, "leftovers: \(leftovers)")
        }
    }
}

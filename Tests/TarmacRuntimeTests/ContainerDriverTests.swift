import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TarmacModel
import TarmacNet
import TarmacSystem
import Testing
@testable import TarmacRuntime

extension RuntimeDriverSuites {
/// Real containers with runc. Serialized: they share the test bridge and the host's cgroups.
@Suite(.serialized, .enabled(if: ContainerFixture.canRunContainers, "needs root, runc and busybox"))
struct ContainerDriverTests {
    @Test func exitCodes() async throws {
        let fixture = try ContainerFixture()
        defer { fixture.removeBase() }
        for code in [0, 3] {
            let spec = fixture.spec(["sh", "-c", "exit \(code)"])
            let handle = try await fixture.driver.start(spec)
            #expect(handle.driver == "container")
            #expect(handle.processPID != nil)
            let status = try await fixture.wait(handle)
            #expect(status.exitCode == code)
            #expect(status.signal == 0)
            #expect(!status.oomKilled)
            #expect(status.error == nil)
            #expect(await fixture.driver.status(handle) == .exited(status))
            try await fixture.driver.cleanup(handle)
            #expect(fixture.leftovers(handle).isEmpty)
        }
    }

    @Test func killedBySIGKILL() async throws {
        let fixture = try ContainerFixture()
        defer { fixture.removeBase() }
        let handle = try await fixture.driver.start(fixture.spec(["sleep", "100"]))
        #expect(await fixture.driver.status(handle) == .running)
        try await fixture.driver.signal(handle, SIGKILL)
        let status = try await fixture.wait(handle)
        #expect(status.signal == Int(SIGKILL))
        #expect(status.exitCode == 0)
        #expect(!status.oomKilled)
        await #expect(throws: RuntimeError.self) { try await fixture.driver.signal(handle, SIGTERM) }
        try await fixture.driver.cleanup(handle)
    }

    @Test func trappedSIGTERM() async throws {
        let fixture = try ContainerFixture()
        defer { fixture.removeBase() }
        let script = "trap 'echo got TERM; exit 7' TERM; echo ready; while true; do sleep 1 & wait $!; done"
        let spec = fixture.spec(["sh", "-c", script])
        let handle = try await fixture.driver.start(spec)
        try await eventually { fixture.log(spec).contains("ready") }
        try await fixture.driver.signal(handle, SIGTERM)
        let status = try await fixture.wait(handle)
        #expect(status.exitCode == 7)
        #expect(status.signal == 0)
        #expect(fixture.log(spec).contains("got TERM"))
        try await fixture.driver.cleanup(handle)
    }

    @Test func outOfMemory() async throws {
        let fixture = try ContainerFixture()
        defer { fixture.removeBase() }
        let spec = fixture.spec(["sh", "-c", "x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done"], memoryMB: 16)
        let handle = try await fixture.driver.start(spec)
        let status = try await fixture.wait(handle, timeout: .seconds(30))
        #expect(status.oomKilled)
        #expect(status.signal == Int(SIGKILL))
        try await fixture.driver.cleanup(handle)
        #expect(fixture.leftovers(handle).isEmpty)
    }

    @Test func processSettingsAndLogs() async throws {
        let fixture = try ContainerFixture()
        defer { fixture.removeBase() }
        let script = "echo to-stdout; echo to-stderr >&2; echo \"FOO=$FOO\"; echo \"PATH=$PATH\"; echo \"cwd=$(pwd)\"; echo \"ids=$(id -u):$(id -g):$(id -G)\"; echo \"host=$(hostname)\""
        let spec = fixture.spec(["sh", "-c", script], env: ["FOO=image", "FOO=machine"], cwd: "/home/app", user: "app")
        let handle = try await fixture.driver.start(spec)
        let status = try await fixture.wait(handle)
        #expect(status.isSuccess)
        let log = fixture.log(spec)
        #expect(log.contains("to-stdout\n"))
        #expect(log.contains("to-stderr\n"))
        #expect(log.contains("FOO=machine\n"))
        #expect(log.contains("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"))
        #expect(log.contains("cwd=/home/app\n"))
        #expect(log.contains("ids=1000:1000:1000 2000\n"))
        #expect(log.contains("host=\(spec.hostname)\n"))
        try await fixture.driver.cleanup(handle)

        // Numeric user, and a second start on the same machine appends to the log.
        let numeric = fixture.spec(["sh", "-c", "echo \"second=$(id -u):$(id -g)\""], id: spec.machineID, user: "4242:4343")
        let second = try await fixture.driver.start(numeric)
        #expect(try await fixture.wait(second).isSuccess)
        #expect(fixture.log(spec).contains("to-stdout\n"))
        #expect(fixture.log(spec).contains("second=4242:4343\n"))
        try await fixture.driver.cleanup(second)
    }

    @Test func startFailuresLeaveNothingBehind() async throws {
        try await ContainerFixture.ensureBridge()
        let fixture = try ContainerFixture()
        defer { fixture.removeBase() }
        let missing = fixture.spec(["/no/such/program"], host: 40)
        await #expect {
            _ = try await fixture.driver.start(missing)
        } throws: { error in
            "\(error)".contains("/no/such/program")
        }
        let handle = RuntimeHandle(machineID: missing.machineID, driver: "container", pid: 0, pidStartTime: 0, processPID: nil, details: [
            "machineDirectory": missing.machineDirectory, "runcRoot": fixture.driver.configuration.runcRoot, "resourcePrefix": ContainerFixture.prefix,
            "bundle": "\(missing.machineDirectory)/bundle",
        ])
        #expect(fixture.leftovers(handle).isEmpty)
        #expect(await fixture.driver.status(handle) == .gone)

        await #expect(throws: RuntimeError.self) { _ = try await fixture.driver.start(fixture.spec(["true"], user: "nobody")) }
        await #expect(throws: RuntimeError.self) { _ = try await fixture.driver.start(fixture.spec(["true"], image: "sha256:unknown")) }
        await #expect(throws: RuntimeError.self) { _ = try await fixture.driver.start(fixture.spec([])) }
    }

    @Test func restartStartsFromAFreshRootfs() async throws {
        try await ContainerFixture.ensureBridge()
        let fixture = try ContainerFixture()
        defer { fixture.removeBase() }
        let id = Identifiers.machineID()
        let script = "test -e /marker && exit 9; touch /marker; exit 0"
        // The second start happens without cleanup, as after an agent crash.
        for _ in 0..<2 {
            let handle = try await fixture.driver.start(fixture.spec(["sh", "-c", script], id: id, host: 41))
            #expect(try await fixture.wait(handle).exitCode == 0)
        }
        var running = fixture.spec(["sleep", "100"], id: id, host: 41)
        running.instanceID = "01RUNNING"
        let handle = try await fixture.driver.start(running)
        // A start while the previous instance still runs replaces it; the old one's exit is kept.
        var next = fixture.spec(["sh", "-c", script], id: id, host: 41)
        next.instanceID = "01REPLACEMENT"
        let replacement = try await fixture.driver.start(next)
        #expect(try await fixture.wait(handle).signal == Int(SIGKILL))
        #expect(try await fixture.wait(replacement).exitCode == 0)
        try await fixture.driver.cleanup(replacement)
        #expect(fixture.leftovers(replacement).isEmpty)
    }

    @Test func networkReachableFromHost() async throws {
        try await ContainerFixture.ensureBridge()
        let fixture = try ContainerFixture()
        defer { fixture.removeBase() }
        let spec = fixture.spec(["httpd", "-f", "-p", "8080", "-h", "/www"], host: 42)
        let handle = try await fixture.driver.start(spec)
        let url = try #require(URL(string: "http://\(spec.network.address):8080/index.html"))
        var request = URLRequest(url: url)
        request.timeoutInterval = 1
        var body = ""
        try await eventually {
            body = (try? await URLSession.shared.data(for: request)).map { String(decoding: $0.0, as: UTF8.self) } ?? ""
            return !body.isEmpty
        }
        #expect(body == "hello from tarmac\n")

        let network = MachineNetwork(machineID: spec.machineID, prefix: ContainerFixture.prefix)
        #expect(FileManager.default.fileExists(atPath: network.namespacePath))
        #expect(handle.details["netns"] == network.namespaceName)
        let route = try await fixture.driver.exec(handle, ExecRequest(command: ["ip", "route"]))
        #expect(route.stdout.contains("default via \(ContainerFixture.subnet.gateway)"))
        let ping = try await fixture.driver.exec(handle, ExecRequest(command: ["ping", "-c", "1", "-W", "2", ContainerFixture.subnet.gateway.description]))
        #expect(ping.exitCode == 0)
        let resolv = try await fixture.driver.exec(handle, ExecRequest(command: ["cat", "/etc/resolv.conf", "/etc/hosts"]))
        #expect(resolv.stdout.contains("nameserver 10.213.7.1"))
        #expect(resolv.stdout.contains("\(spec.network.address)\t\(spec.hostname)"))
        let failing = try await fixture.driver.exec(handle, ExecRequest(command: ["sh", "-c", "echo oops >&2; exit 4"]))
        #expect(failing.exitCode == 4)
        #expect(failing.stderr == "oops\n")

        try await fixture.driver.signal(handle, SIGKILL)
        _ = try await fixture.wait(handle)
        try await fixture.driver.cleanup(handle)
        #expect(fixture.leftovers(handle).isEmpty)
        try await fixture.driver.cleanup(handle) // idempotent
        #expect(await fixture.driver.status(handle) == .gone)
    }

    @Test func reAdoptionByANewDriver() async throws {
        try await ContainerFixture.ensureBridge()
        let fixture = try ContainerFixture()
        defer { fixture.removeBase() }
        let handle = try await fixture.driver.start(fixture.spec(["sleep", "100"], host: 43))
        // Round-trip through JSON, as the agent persists it.
        let stored = try JSONDecoder().decode(RuntimeHandle.self, from: JSONEncoder().encode(handle))
        let restarted = try fixture.restartedDriver()
        #expect(await restarted.status(stored) == .running)
        try await restarted.signal(stored, SIGKILL)
        let status = try await fixture.wait(stored, using: restarted)
        #expect(status.signal == Int(SIGKILL))
        // The shim was our child: waiting reaped it, no zombie stays.
        #expect(Processes.state(of: handle.pid) == nil)
        try await restarted.cleanup(stored)
        #expect(fixture.leftovers(stored).isEmpty)
    }

    /// The agent is killed with SIGKILL right after starting a machine (an exit test runs in a
    /// child process): the machine keeps running, and a new driver re-adopts it.
    @Test func machineSurvivesAKilledAgent() async throws {
        let record = AgentRecord.path
        try? FileManager.default.removeItem(atPath: record)
        await #expect(processExitsWith: .signal(SIGKILL)) {
            try await ContainerFixture.ensureBridge()
            let fixture = try ContainerFixture()
            let handle = try await fixture.driver.start(fixture.spec(["sleep", "100"], host: 47))
            try JSONEncoder().encode(AgentRecord(base: fixture.base, handle: handle)).write(to: URL(fileURLWithPath: AgentRecord.path))
            kill(getpid(), SIGKILL)
        }
        let saved = try JSONDecoder().decode(AgentRecord.self, from: Data(contentsOf: URL(fileURLWithPath: record)))
        try? FileManager.default.removeItem(atPath: record)
        let fixture = try ContainerFixture(base: saved.base)
        defer { fixture.removeBase() }
        #expect(await fixture.driver.status(saved.handle) == .running)
        try await fixture.driver.signal(saved.handle, SIGKILL)
        #expect(try await fixture.wait(saved.handle).signal == Int(SIGKILL))
        try await fixture.driver.cleanup(saved.handle)
        #expect(fixture.leftovers(saved.handle).isEmpty)
    }

    @Test func machineSurvivesItsShimsParentAndReportsALostShim() async throws {
        let fixture = try ContainerFixture()
        defer { fixture.removeBase() }
        let handle = try await fixture.driver.start(fixture.spec(["sleep", "100"]))
        // Killing the shim (not the machine) must not kill the container...
        kill(handle.pid, SIGKILL)
        let lost = try await fixture.wait(handle)
        #expect(lost.error != nil)
        if let pid = handle.processPID { #expect(Processes.state(of: pid) != nil) }
        // ...and cleanup still removes it.
        try await fixture.driver.cleanup(handle)
        #expect(fixture.leftovers(handle).isEmpty)
        if let pid = handle.processPID {
            try await eventually { Processes.state(of: pid) == nil || Processes.state(of: pid) == "Z" }
        }
    }

    @Test func removeOrphans() async throws {
        try await ContainerFixture.ensureBridge()
        let fixture = try ContainerFixture(prefix: "tmorph")
        defer { fixture.removeBase() }
        let kept = try await fixture.driver.start(fixture.spec(["sleep", "100"], host: 44))
        let orphan = try await fixture.driver.start(fixture.spec(["sleep", "100"], host: 45))
        let removed = await fixture.driver.removeOrphans(keeping: [kept.machineID])
        #expect(removed.contains("runc container \(orphan.machineID)"))
        #expect(removed.contains("network namespace tmorph-\(orphan.machineID)"))
        #expect(!removed.contains { $0.contains(kept.machineID) })
        #expect(try await fixture.wait(orphan).signal == Int(SIGKILL))
        // Its shim deleted the container; what is left of it is gone too.
        _ = await fixture.driver.removeOrphans(keeping: [kept.machineID])
        #expect(fixture.leftovers(orphan).isEmpty)
        #expect(await fixture.driver.status(kept) == .running)

        try await fixture.driver.signal(kept, SIGKILL)
        _ = try await fixture.wait(kept)
        try await fixture.driver.cleanup(kept)
        try await fixture.driver.cleanup(orphan)
        #expect(fixture.leftovers(kept).isEmpty)
    }

    /// `start()` (shim, network, overlay, config.json, runc create + start) against a bare
    /// `runc run -d` of the very same bundle (rootfs already mounted, netns already set up).
    @Test func startLatencyAgainstBareRunc() async throws {
        try await ContainerFixture.ensureBridge()
        let fixture = try ContainerFixture()
        defer { fixture.removeBase() }
        let id = Identifiers.machineID()
        var durations: [Duration] = []
        for _ in 0..<9 {
            let began = ContinuousClock.now
            let handle = try await fixture.driver.start(fixture.spec(["sleep", "100"], id: id, host: 46))
            durations.append(ContinuousClock.now - began)
            try await fixture.driver.signal(handle, SIGKILL)
            _ = try await fixture.wait(handle)
            try await fixture.driver.cleanup(handle)
        }

        // Leave one bundle in place (the shim deletes the container, cleanup is not called).
        let spec = fixture.spec(["sleep", "100"], id: id, host: 46)
        let handle = try await fixture.driver.start(spec)
        try await fixture.driver.signal(handle, SIGKILL)
        _ = try await fixture.wait(handle)
        let runc = try Command.resolve("runc")
        let root = fixture.driver.configuration.runcRoot
        var bare: [Duration] = []
        for index in 0..<9 {
            let name = "bare\(index)"
            let began = ContinuousClock.now
            let pid = try Spawn.launch(runc, ["--root", root, "run", "-d", "--bundle", "\(spec.machineDirectory)/bundle", name],
                                       fileActions: [.null(0), .null(1), .null(2)])
            let termination = Spawn.wait(pid)
            bare.append(ContinuousClock.now - began)
            #expect(termination == .exited(0))
            _ = try await Command.run(runc, ["--root", root, "delete", "-f", name])
        }
        try await fixture.driver.cleanup(handle)

        let median = durations.sorted()[durations.count / 2]
        let bareMedian = bare.sorted()[bare.count / 2]
        let ratio = median / bareMedian
        print("start() median \(median) (all \(durations.sorted())); bare runc run -d median \(bareMedian); ratio \(ratio)")
        #expect(median < .milliseconds(150))
        #expect(ratio < 3)
    }
}
}

/// What the killed "agent" of `machineSurvivesAKilledAgent` hands to the test.
struct AgentRecord: Codable {
    static var path: String { FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-runtime-killed-agent.json").path }
    var base: String
    var handle: RuntimeHandle
}

/// Polls `condition` every 20 ms until it holds, failing after `timeout`.
func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("condition not met within \(timeout)")
}

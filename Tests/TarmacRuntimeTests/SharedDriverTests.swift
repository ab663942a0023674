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
/// The driver suite both runtimes must pass: each test runs once per driver. MicroVMs boot
/// under TCG (1.5–2.5 s on an idle host), so each test reuses one machine for several
/// assertions. Serialized: the machines share test bridges and host octets.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root"))
struct SharedDriverTests {
    @Test(arguments: DriverKind.allCases)
    func exitCodeAndProcessSettings(_ kind: DriverKind) async throws {
        let fixture = try await DriverFixture.make(kind)
        defer { fixture.removeBase() }
        // Env precedence at the spec level: image env first, the machine's later entry wins.
        let script = "echo to-stdout; echo to-stderr >&2; echo \"FOO=$FOO\"; echo \"cwd=$(pwd)\"; echo \"ids=$(id -u):$(id -g)\"; echo \"host=$(hostname)\"; exit 3"
        let spec = fixture.spec(["sh", "-c", script], env: ["PATH=/bin:/usr/bin", "FOO=image", "FOO=machine"], cwd: "/home/app", user: "app")
        let handle = try await fixture.driver.start(spec)
        #expect(handle.driver == kind.rawValue)
        let status = try await fixture.wait(handle)
        #expect(status.exitCode == 3)
        #expect(status.signal == 0)
        #expect(!status.oomKilled)
        #expect(status.error == nil)
        #expect(await fixture.driver.status(handle) == .exited(status))
        let log = fixture.log(spec)
        #expect(log.contains("to-stdout"))
        #expect(log.contains("to-stderr"))
        #expect(log.contains("FOO=machine"))
        #expect(log.contains("cwd=/home/app"))
        #expect(log.contains("ids=1000:1000"))
        #expect(log.contains("host=\(spec.hostname)"))
        try await fixture.driver.cleanup(handle)
        #expect(fixture.leftovers(handle).isEmpty)
        try await fixture.driver.cleanup(handle) // idempotent
    }

    /// One machine: HTTP on its private IP from the host, exec, re-adoption by a second
    /// driver (status, exec, signal, wait), and a trapped SIGTERM's exit code.
    @Test(arguments: DriverKind.allCases)
    func networkExecReadoptionAndSignals(_ kind: DriverKind) async throws {
        let fixture = try await DriverFixture.make(kind)
        defer { fixture.removeBase() }
        let script = "trap 'echo got TERM; exit 7' TERM; httpd -p 8080 -h /www; echo ready; while true; do sleep 1 & wait $!; done"
        let spec = fixture.spec(["sh", "-c", script], host: 60, env: ["PATH=/bin"])
        let began = ContinuousClock.now
        let handle = try await fixture.driver.start(spec)
        let started = ContinuousClock.now - began
        let firstConnect = try await connectTCP(spec.network.address, port: 8080, timeout: fixture.patience)
        print("\(kind) start() \(started), start → first TCP connect \(ContinuousClock.now - began) (\(firstConnect) attempts)")
        let body = try await httpGet("http://\(spec.network.address):8080/index.html")
        #expect(body == "hello from tarmac\n")

        // ps: pids as the machine sees them, the daemonized httpd with its listening socket
        // (containers; the guest protocol does not report sockets).
        let processes = try await fixture.driver.processes(handle)
        #expect(processes.contains { $0.pid == 1 })
        let httpd = try #require(processes.first { $0.command.hasPrefix("httpd") }, "\(processes)")
        #expect(httpd.rss > 0 && httpd.cpu >= 0 && httpd.directory.hasPrefix("/"))
        #expect(httpd.stime > 1_700_000_000_000 && httpd.rtime >= 0)
        if kind == .container {
            #expect(httpd.listenSockets.contains { $0.proto == "tcp" && $0.address.hasSuffix(":8080") }, "\(httpd)")
            #expect(processes.allSatisfy { $0.pid < 1000 }) // container pids, not the host's
        }

        let echo = try await fixture.driver.exec(handle, ExecRequest(command: ["sh", "-c", "echo out; echo oops >&2; exit 4"]))
        #expect(echo.exitCode == 4)
        #expect(echo.stdout == "out\n")
        #expect(echo.stderr == "oops\n")
        let route = try await fixture.driver.exec(handle, ExecRequest(command: ["ip", "route"]))
        #expect(route.stdout.contains("default via \(fixture.subnet.gateway)"))
        if kind == .microvm { // The container driver's exec does not take stdin or a timeout yet.
            let input = try await fixture.driver.exec(handle, ExecRequest(command: ["cat"], stdin: Array("piped\n".utf8)))
            #expect(input.stdout == "piped\n")
            let slow = try await fixture.driver.exec(handle, ExecRequest(command: ["sleep", "30"], timeout: .seconds(1)))
            #expect(slow.timedOut)
        }

        // Re-adoption: a new driver (agent restart) finds the machine from the persisted handle.
        if let vm = fixture.driver as? MicroVMDriver { await vm.releaseChannels() }
        let stored = try JSONDecoder().decode(RuntimeHandle.self, from: JSONEncoder().encode(handle))
        let restarted = try fixture.restartedDriver()
        #expect(await restarted.status(stored) == .running)
        let again = try await restarted.exec(stored, ExecRequest(command: ["cat", "/www/index.html"]))
        #expect(again.stdout == "hello from tarmac\n")
        try await restarted.signal(stored, SIGTERM)
        let status = try await fixture.wait(stored, using: restarted)
        #expect(status.exitCode == 7)
        #expect(status.signal == 0)
        #expect(fixture.log(spec).contains("got TERM"))
        await #expect(throws: RuntimeError.self) { try await restarted.signal(stored, SIGTERM) }
        try await restarted.cleanup(stored)
        #expect(fixture.leftovers(stored).isEmpty)
        #expect(await restarted.status(stored) == .gone)
    }

    /// A process ignoring SIGTERM is still running after it; SIGKILL (the stop timeout's
    /// escalation) ends it and is reported as such.
    @Test(arguments: DriverKind.allCases)
    func stopTimeoutEscalatesToKill(_ kind: DriverKind) async throws {
        let fixture = try await DriverFixture.make(kind)
        defer { fixture.removeBase() }
        let spec = fixture.spec(["sh", "-c", "trap '' TERM; echo ready; while true; do sleep 1; done"], host: 61)
        let handle = try await fixture.driver.start(spec)
        // The trap must be in place before the signal (start returns once the process runs).
        try await eventually(timeout: fixture.patience) { fixture.log(spec).contains("ready") }
        try await fixture.driver.signal(handle, SIGTERM)
        try await Task.sleep(for: .seconds(1))
        let afterTERM = await fixture.driver.status(handle)
        #expect(afterTERM == .running, "log: \(fixture.log(spec))")
        try await fixture.driver.signal(handle, SIGKILL)
        let status = try await fixture.wait(handle)
        #expect(status.signal == Int(SIGKILL))
        #expect(status.exitCode == 0)
        #expect(status.error == nil)
        try await fixture.driver.cleanup(handle)
        #expect(fixture.leftovers(handle).isEmpty)
    }

    @Test(arguments: DriverKind.allCases)
    func outOfMemory(_ kind: DriverKind) async throws {
        let fixture = try await DriverFixture.make(kind)
        defer { fixture.removeBase() }
        // Containers get a 16 MB cgroup; a VM's whole guest has the minimum (128 MB).
        let spec = fixture.spec(["sh", "-c", "x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done"], memoryMB: kind == .container ? 16 : 128)
        let handle = try await fixture.driver.start(spec)
        let status = try await fixture.wait(handle)
        #expect(status.oomKilled)
        #expect(status.signal == Int(SIGKILL))
        try await fixture.driver.cleanup(handle)
        #expect(fixture.leftovers(handle).isEmpty)
    }

    @Test(arguments: DriverKind.allCases)
    func startFailureLeavesNothingBehind(_ kind: DriverKind) async throws {
        let fixture = try await DriverFixture.make(kind)
        defer { fixture.removeBase() }
        let missing = fixture.spec(["/no/such/program"], host: 62)
        await #expect {
            _ = try await fixture.driver.start(missing)
        } throws: { error in
            "\(error)".contains("/no/such/program")
        }
        let handle = RuntimeHandle(machineID: missing.machineID, driver: kind.rawValue, pid: 0, pidStartTime: 0, processPID: nil, details: [
            "machineDirectory": missing.machineDirectory, "resourcePrefix": fixture.prefix,
            "runcRoot": "\(fixture.base)/runc", "bundle": "\(missing.machineDirectory)/bundle",
        ])
        #expect(fixture.leftovers(handle).isEmpty)
        await #expect(throws: RuntimeError.self) { _ = try await fixture.driver.start(fixture.spec(["true"], image: "sha256:unknown")) }
        await #expect(throws: RuntimeError.self) { _ = try await fixture.driver.start(fixture.spec([])) }
    }
}
}

/// Connects to `address:port` until it accepts; returns the number of attempts.
func connectTCP(_ address: String, port: UInt16, timeout: Duration) async throws -> Int {
    let deadline = ContinuousClock.now + timeout
    var attempts = 0
    while ContinuousClock.now < deadline {
        attempts += 1
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = port.bigEndian
        inet_pton(AF_INET, address, &target.sin_addr)
        let result = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        close(fd)
        if result == 0 { return attempts }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw RuntimeError(.internalError, "\(address):\(port) did not accept a connection within \(timeout)")
}

func httpGet(_ url: String) async throws -> String {
    let target = try #require(URL(string: url))
    var request = URLRequest(url: target)
    request.timeoutInterval = 5
    let (data, _) = try await URLSession.shared.data(for: request)
    return String(decoding: data, as: UTF8.self)
}

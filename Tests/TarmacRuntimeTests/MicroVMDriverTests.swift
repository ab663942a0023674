import Foundation
import TarmacGuestProtocol
import TarmacModel
import TarmacNet
import TarmacSystem
import Testing
@testable import TarmacRuntime

extension RuntimeDriverSuites {
/// MicroVM-only behaviour on real QEMU (TCG): suspend/resume, orphans, the KVM probe.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root"))
struct MicroVMDriverTests {
    /// A counter loop in the guest keeps counting from where it was after suspend + resume,
    /// so memory (the shell's variable) survived, not just the disk.
    @Test func suspendResumeKeepsMemory() async throws {
        let fixture = try await DriverFixture.make(.microvm)
        defer { fixture.removeBase() }
        let driver = try #require(fixture.driver as? MicroVMDriver)
        let spec = fixture.spec(["sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.2; done"], host: 70)
        let handle = try await driver.start(spec)
        try await Task.sleep(for: .seconds(2))
        let before = try await counter(driver, handle)
        #expect(before > 0)

        // A waiter (the agent's) sees the suspend as the end of its wait, not as an exit.
        let waiter = Task { try await driver.wait(handle) }
        let suspendBegan = ContinuousClock.now
        let snapshot = try await driver.suspend(handle)
        let suspendTook = ContinuousClock.now - suspendBegan
        await #expect(throws: CancellationError.self) { _ = try await waiter.value }
        #expect(!Processes.isAlive(pid: handle.pid, startTime: handle.pidStartTime))
        // The agent may clean up the stopped instance; the snapshot must survive it.
        try await driver.cleanup(handle)
        let stateBytes = snapshot.details["stateBytes"] ?? "?"

        var resumed = spec
        resumed.instanceID = "resumed"
        let resumeBegan = ContinuousClock.now
        let second = try await driver.resume(resumed, from: snapshot)
        let resumeTook = ContinuousClock.now - resumeBegan
        print("microvm suspend \(suspendTook) (state \(stateBytes) bytes), resume \(resumeTook)")
        let after = try await counter(driver, second)
        #expect(after >= before)
        try await Task.sleep(for: .seconds(1))
        let later = try await counter(driver, second)
        #expect(later > after)
        // The loop's variable survived: no restart from 1.
        #expect(after >= before && later > before)
        #expect(!FileManager.default.fileExists(atPath: "\(spec.machineDirectory)/vm/state"))

        try await driver.signal(second, SIGKILL)
        let status = try await fixture.wait(second)
        #expect(status.signal == Int(SIGKILL))
        try await driver.cleanup(second)
        #expect(fixture.leftovers(second).isEmpty)
        await driver.discard(snapshot)
    }

    /// The agent is killed with SIGKILL right after starting a VM (an exit test runs in a
    /// child process): the VM keeps running, and a new driver re-adopts it and can exec,
    /// suspend, resume and kill it.
    @Test func vmSurvivesAKilledAgentAndIsAdopted() async throws {
        let record = VMAgentRecord.path
        try? FileManager.default.removeItem(atPath: record)
        await #expect(processExitsWith: .signal(SIGKILL)) {
            let fixture = try await DriverFixture.make(.microvm)
            let spec = fixture.spec(["sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.2; done"], host: 72)
            let handle = try await fixture.driver.start(spec)
            try JSONEncoder().encode(VMAgentRecord(base: fixture.base, spec: spec, handle: handle)).write(to: URL(fileURLWithPath: VMAgentRecord.path))
            kill(getpid(), SIGKILL)
        }
        let saved = try JSONDecoder().decode(VMAgentRecord.self, from: Data(contentsOf: URL(fileURLWithPath: record)))
        try? FileManager.default.removeItem(atPath: record)
        let fixture = try await DriverFixture.make(.microvm, base: saved.base)
        defer { fixture.removeBase() }
        let driver = try #require(fixture.driver as? MicroVMDriver)
        #expect(await driver.status(saved.handle) == .running)
        var before = -1
        try await eventually(timeout: .seconds(30)) {
            before = try await counter(driver, saved.handle)
            return before > 0
        }
        let snapshot = try await driver.suspend(saved.handle)
        let resumed = try await driver.resume(saved.spec, from: snapshot)
        try await Task.sleep(for: .seconds(1))
        #expect(try await counter(driver, resumed) > before)
        try await driver.signal(resumed, SIGKILL)
        #expect(try await fixture.wait(resumed).signal == Int(SIGKILL))
        try await driver.cleanup(resumed)
        #expect(fixture.leftovers(resumed).isEmpty)
        await driver.discard(snapshot)
    }

    /// A start while the previous instance still runs replaces it; the old instance's
    /// waiter learns it was killed.
    @Test func startReplacesARunningInstance() async throws {
        let fixture = try await DriverFixture.make(.microvm)
        defer { fixture.removeBase() }
        let id = Identifiers.machineID()
        var first = fixture.spec(["sleep", "1000"], id: id, host: 73)
        first.instanceID = "01FIRST"
        let old = try await fixture.driver.start(first)
        var second = fixture.spec(["sh", "-c", "exit 5"], id: id, host: 73)
        second.instanceID = "01SECOND"
        let replacement = try await fixture.driver.start(second)
        #expect(try await fixture.wait(old).signal == Int(SIGKILL))
        #expect(try await fixture.wait(replacement).exitCode == 5)
        try await fixture.driver.cleanup(old)
        try await fixture.driver.cleanup(replacement)
        #expect(fixture.leftovers(replacement).isEmpty)
    }

    @Test func removeOrphansKillsUnknownVMs() async throws {
        let fixture = try await DriverFixture.make(.microvm, prefix: "tmvmorph")
        defer { fixture.removeBase() }
        let handle = try await fixture.driver.start(fixture.spec(["sleep", "1000"], host: 71))
        #expect(await fixture.driver.removeOrphans(keeping: [handle.machineID]).isEmpty)
        let removed = await fixture.driver.removeOrphans(keeping: [])
        #expect(removed.contains { $0.contains("qemu \(handle.machineID)") })
        #expect(removed.contains { $0.contains("tap") })
        let status = try await fixture.wait(handle)
        #expect(status.signal == 0 && status.error != nil) // no exit report: QEMU was killed from outside
        try await fixture.driver.cleanup(handle)
        #expect(fixture.leftovers(handle).isEmpty)
    }

    /// On this kind of host nested KVM hangs: the probe must give up within its deadline.
    @Test func kvmProbeNeverHangs() async throws {
        let guest = GuestArtifacts(directory: DriverFixture.guestDirectory)
        guard guest.exist else {
            Issue.record("the microVM guest artefacts are missing in \(guest.directory): run scripts/build-guest.sh")
            return
        }
        let began = ContinuousClock.now
        let verdict = await KVMProbe.probe(guest: guest, qemu: "qemu-system-x86_64", timeout: .seconds(3), key: "test")
        let took = ContinuousClock.now - began
        print("KVM probe: \(verdict.kvmUsable ? "usable" : "not usable") — \(verdict.reason) (\(took))")
        #expect(took < .seconds(10))
        #expect(!verdict.reason.isEmpty)
    }

    func counter(_ driver: MicroVMDriver, _ handle: RuntimeHandle) async throws -> Int {
        let result = try await driver.exec(handle, ExecRequest(command: ["cat", "/tmp/count"]))
        return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}
}

/// What the killed "agent" of `vmSurvivesAKilledAgentAndIsAdopted` hands to the test.
struct VMAgentRecord: Codable {
    static var path: String { FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-vm-killed-agent.json").path }
    var base: String
    var spec: RuntimeSpec
    var handle: RuntimeHandle
}

extension RuntimeDriverSuites {
/// Costs of the pieces of a microVM start, printed for the record.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root"))
struct MicroVMStartCostTests {
    /// `start()` → first TCP connection to a server in the guest, the figure an API client
    /// sees (POST, wait for started, connect), five cold starts of the same machine.
    @Test func startToFirstConnect() async throws {
        let fixture = try await DriverFixture.make(.microvm)
        defer { fixture.removeBase() }
        let id = Identifiers.machineID()
        var starts: [Duration] = [], connects: [Duration] = []
        for _ in 0..<5 {
            let spec = fixture.spec(["httpd", "-f", "-p", "8080", "-h", "/www"], id: id, host: 74)
            let began = ContinuousClock.now
            let handle = try await fixture.driver.start(spec)
            starts.append(ContinuousClock.now - began)
            _ = try await connectTCP(spec.network.address, port: 8080, timeout: fixture.patience)
            connects.append(ContinuousClock.now - began)
            try await fixture.driver.signal(handle, SIGKILL)
            _ = try await fixture.wait(handle)
            try await fixture.driver.cleanup(handle)
        }
        let median = { (values: [Duration]) in values.sorted()[values.count / 2] }
        print("microvm start() median \(median(starts)), start → first TCP connect median \(median(connects)) (all \(connects.sorted()))")
        #expect(median(connects) < .seconds(30))
    }

    @Test func rootDiskAndInitrdCosts() async throws {
        let guest = GuestArtifacts(directory: DriverFixture.guestDirectory)
        guard guest.exist else {
            Issue.record("the microVM guest artefacts are missing in \(guest.directory): run scripts/build-guest.sh")
            return
        }
        let image = try ContainerFixture.image.get()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-vm-costs-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let disks = RootDisk(cacheDirectory: scratch, qemuImg: "qemu-img")

        // Two concurrent requests build the disk once.
        let began = ContinuousClock.now
        async let first = disks.base(digest: "sha256:costs", layers: { [image] })
        async let second = disks.base(digest: "sha256:costs", layers: { [image] })
        let (a, b) = try await (first, second)
        let build = ContinuousClock.now - began
        #expect(a == b)
        let reuse = ContinuousClock.now
        _ = try await disks.base(digest: "sha256:costs", layers: { throw RuntimeError(.internalError, "must not rebuild") })
        let cached = ContinuousClock.now - reuse
        var info = stat()
        #expect(stat(a, &info) == 0)
        #expect(Int64(info.st_size) >= 1 << 30)
        #expect(Int64(info.st_blocks) * 512 < 200 << 20) // sparse

        let overlayBegan = ContinuousClock.now
        try await disks.createOverlay("\(scratch)/overlay.qcow2", base: a)
        let overlay = ContinuousClock.now - overlayBegan

        let config = GuestConfig(args: ["sh"], env: ["PATH=/bin"], workingDirectory: "/", user: "", hostname: "h", network: nil)
        let tail = MachineInitrd.configArchive(config)
        let copyBegan = ContinuousClock.now
        #expect(try MachineInitrd.assemble(base: guest.initrd, tail: tail, into: "\(scratch)/initrd.img"))
        let copied = ContinuousClock.now - copyBegan
        let reuseBegan = ContinuousClock.now
        #expect(!(try MachineInitrd.assemble(base: guest.initrd, tail: tail, into: "\(scratch)/initrd.img")))
        let reused = ContinuousClock.now - reuseBegan
        print("root disk build \(build) (cached lookup \(cached)), qcow2 overlay \(overlay), initrd first assembly \(copied), reused \(reused)")
    }
}
}

import Foundation
import Synchronization
import Testing
import TarmacControl
import TarmacTestSupport

/// A value the waiters look at, changed by the test before it notifies.
final class Flag: Sendable {
    private let value = Mutex<String?>(nil)
    private let checks = Atomic<Int>(0)
    func set(_ new: String?) { value.withLock { $0 = new } }
    func get() -> String? {
        checks.wrappingAdd(1, ordering: .relaxed)
        return value.withLock { $0 }
    }
    var checkCount: Int { checks.load(ordering: .relaxed) }
}

@Suite("WaitRegistry")
struct WaitRegistryTests {
    @Test("returns at once when the check already passes")
    func immediate() async throws {
        let registry = WaitRegistry()
        let flag = Flag()
        flag.set("started")
        let clock = ContinuousClock()
        let start = clock.now
        let value = try await registry.wait(machineID: "m1", timeout: .seconds(30)) { flag.get() }
        #expect(value == "started")
        #expect(clock.now - start < .seconds(10))
        #expect(flag.checkCount == 1)
    }

    @Test("times out returning nil, exactly when its clock reaches the timeout")
    func timeout() async throws {
        let clock = ManualClock()
        let registry = WaitRegistry(clock: clock)
        let flag = Flag()
        async let value = registry.wait(machineID: "m1", timeout: .seconds(30)) { flag.get() }
        #expect(await clock.waitForSleepers())
        clock.advance(by: .seconds(29))
        #expect(clock.sleepers == 1, "woke before its timeout")
        clock.advance(by: .seconds(1))
        #expect(try await value == nil)
    }

    @Test("wakes up on notify once the check passes")
    func wakesOnNotify() async throws {
        let registry = WaitRegistry()
        let flag = Flag()
        let clock = ContinuousClock()
        let start = clock.now
        async let value = registry.wait(machineID: "m1", timeout: .seconds(20)) { flag.get() }
        try await Task.sleep(for: .milliseconds(100))
        // A notify while the check still fails keeps the waiter waiting.
        registry.notify(machineID: "m1")
        try await Task.sleep(for: .milliseconds(50))
        flag.set("stopped")
        registry.notify(machineID: "m1")
        #expect(try await value == "stopped")
        #expect(clock.now - start < .seconds(10))
        #expect(flag.checkCount >= 2)
    }

    @Test("a notify for another machine does not wake the waiter")
    func otherMachine() async throws {
        let clock = ManualClock()
        let registry = WaitRegistry(clock: clock)
        let flag = Flag()
        async let value = registry.wait(machineID: "m1", timeout: .seconds(5)) { flag.get() }
        #expect(await clock.waitForSleepers())
        flag.set("started")
        registry.notify(machineID: "m2")
        clock.advance(by: .seconds(5))
        #expect(try await value == nil)
    }

    @Test("many concurrent waiters on one machine all wake up")
    func manyWaiters() async throws {
        let registry = WaitRegistry()
        let flag = Flag()
        let clock = ContinuousClock()
        let start = clock.now
        let results = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<50 {
                group.addTask { try await registry.wait(machineID: "m1", timeout: .seconds(20)) { flag.get() } }
            }
            try await Task.sleep(for: .milliseconds(200))
            flag.set("started")
            registry.notify(machineID: "m1")
            var results: [String?] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(results.count == 50)
        #expect(results.allSatisfy { $0 == "started" })
        #expect(clock.now - start < .seconds(10))
    }

    @Test("errors thrown by the check propagate")
    func checkThrows() async {
        struct Boom: Error {}
        let registry = WaitRegistry()
        await #expect(throws: Boom.self) {
            _ = try await registry.wait(machineID: "m1", timeout: .seconds(5)) { () async throws -> String? in throw Boom() }
        }
    }

    @Test("cancelling the waiting task ends the wait")
    func cancellation() async throws {
        let registry = WaitRegistry()
        let flag = Flag()
        let clock = ContinuousClock()
        let start = clock.now
        let task = Task { try await registry.wait(machineID: "m1", timeout: .seconds(20)) { flag.get() } }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        _ = try? await task.value
        #expect(clock.now - start < .seconds(10))
    }
}

import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TarmacModel

@Suite("API: wait")
struct WaitTests {
    typealias API = APIHarness

    static func wait(_ machine: Machine, _ query: String) -> String { "/v1/apps/web/machines/\(machine.id)/wait" + query }

    @Test("200 at once when the machine is already in the state: ok, state, version, event_id")
    func immediate() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let clock = ContinuousClock()
            let start = clock.now
            let response = try await api.request(.get, Self.wait(machine, "?state=created&timeout=30"))
            #expect(response.status == .ok)
            #expect(clock.now - start < .seconds(5))
            let body = try response.object()
            #expect(body["ok"] as? Bool == true)
            #expect(body["state"] as? String == "created")
            #expect(body["version"] as? String == machine.instanceID)
            #expect(body["event_id"] as? String == machine.events?.first?.id)
        }
    }

    @Test("the default state is started; settled matches any settled state; comma lists work")
    func states() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            try await api.report(machine.id, .started)
            #expect(try await api.request(.get, Self.wait(machine, "?timeout=5")).decode(WaitResponse.self).state == "started")
            #expect(try await api.request(.get, Self.wait(machine, "?state=settled&timeout=5")).decode(WaitResponse.self).state == "started")
            #expect(try await api.request(.get, Self.wait(machine, "?state=stopped,started&timeout=5")).decode(WaitResponse.self).state == "started")
            #expect(try await api.request(.get, Self.wait(machine, "?state=stopped&state=started&timeout=5")).status == .ok)
            #expect(try await api.request(.get, Self.wait(machine, "?state=started&timeout=5s")).status == .ok)
        }
    }

    @Test("timeout outside 1–60 s and unknown states are 400 invalid_argument", arguments: ["?timeout=0", "?timeout=61", "?timeout=-1", "?timeout=abc", "?state=bogus", "?state=starting"])
    func badParameters(query: String) async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let response = try await api.request(.get, Self.wait(machine, query))
            #expect(response.status == .badRequest)
            #expect(try response.errorText().hasPrefix("invalid_argument"))
        }
    }

    @Test("times out with 408 machine failed to reach desired state")
    func timesOut() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let clock = ContinuousClock()
            let start = clock.now
            let response = try await api.request(.get, Self.wait(machine, "?state=started&timeout=1"))
            let elapsed = clock.now - start
            #expect(response.status == .requestTimeout)
            let text = try response.errorText()
            #expect(text.contains("machine failed to reach desired state"))
            #expect(text.contains("started"))
            #expect(text.contains("currently created"))
            #expect(elapsed >= .milliseconds(900))
            #expect(elapsed < .seconds(10))
        }
    }

    @Test("wakes up when the agent's state change is applied")
    func wakesUp() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let clock = ContinuousClock()
            let start = clock.now
            async let response = api.request(.get, Self.wait(machine, "?state=started&timeout=20"))
            try await Task.sleep(for: .milliseconds(200))
            let started = MachineEvent(id: ULID.make(), type: "start", status: "started", source: "flyd", timestamp: Timestamps.unixMillis(Date()))
            try await api.report(machine.id, .started, event: started)
            let answer = try await response
            #expect(answer.status == .ok)
            #expect(clock.now - start < .seconds(10))
            let body = try answer.decode(WaitResponse.self)
            #expect(body.state == "started")
            #expect(body.version == machine.instanceID)
            #expect(body.eventID == started.id)
        }
    }

    @Test("concurrent waits on one machine: the one for the reached state answers")
    func concurrentWaits() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let clock = ContinuousClock()
            let start = clock.now
            async let stopped = api.request(.get, Self.wait(machine, "?state=stopped&timeout=2"))
            async let started = api.request(.get, Self.wait(machine, "?state=started&timeout=20"))
            async let suspended = api.request(.get, Self.wait(machine, "?state=suspended&timeout=2"))
            async let startedAgain = api.request(.get, Self.wait(machine, "?state=started&timeout=20"))
            try await Task.sleep(for: .milliseconds(200))
            try await api.report(machine.id, .started)
            #expect(try await started.status == .ok)
            #expect(try await startedAgain.status == .ok)
            #expect(clock.now - start < .seconds(10))
            #expect(try await stopped.status == .requestTimeout)
            #expect(try await suspended.status == .requestTimeout)
        }
    }

    @Test("waiting for stopped on a replaced version returns at once")
    func replacedVersion() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            try await api.report(machine.id, .started)
            _ = try await api.request(.post, "/v1/apps/web/machines/\(machine.id)", json: #"{"config":{"image":"web:v2"}}"#)
            let response = try await api.request(.get, Self.wait(machine, "?state=stopped&timeout=5&instance_id=\(machine.instanceID)"))
            #expect(response.status == .ok)
            let body = try response.decode(WaitResponse.self)
            #expect(body.state == "stopped")
            #expect(body.version == machine.instanceID)
        }
    }

    @Test("waiting for destroyed answers when the machine is destroyed")
    func destroyed() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            async let response = api.request(.get, Self.wait(machine, "?state=destroyed&timeout=20"))
            try await Task.sleep(for: .milliseconds(100))
            try await api.report(machine.id, .destroyed)
            let answer = try await response
            #expect(answer.status == .ok)
            #expect(try answer.decode(WaitResponse.self).state == "destroyed")
        }
    }

    @Test("waiting on an unknown machine is 404")
    func unknown() async throws {
        try await API.withApp { api in
            let response = try await api.request(.get, "/v1/apps/web/machines/00000000000000/wait?timeout=1")
            #expect(response.status == .notFound)
        }
    }
}

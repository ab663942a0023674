import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TarmacAgentProtocol
import TarmacModel

@Suite("API: start, stop, restart, suspend, signal, cordon")
struct MachineActionsTests {
    typealias API = APIHarness

    static func path(_ machine: Machine, _ action: String) -> String { "/v1/apps/web/machines/\(machine.id)/\(action)" }

    @Test("start: 200 with previous_state; the agent gets start")
    func start() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let response = try await api.request(.post, Self.path(machine, "start"))
            #expect(response.status == .ok)
            let body = try response.object()
            #expect(body["previous_state"] as? String == "created")
            #expect(body["migrated"] as? Bool == false)
            #expect(body["new_host"] as? String == "")
            #expect(api.agent.commands.map(\.command) == [.start])
            #expect(api.agent.commands.first?.machineID == machine.id)
        }
    }

    @Test("actions on unknown machines are 404", arguments: ["start", "stop", "restart", "suspend", "cordon", "uncordon"])
    func unknownMachine(action: String) async throws {
        try await API.withApp { api in
            let response = try await api.request(.post, "/v1/apps/web/machines/00000000000000/\(action)")
            #expect(response.status == .notFound)
            #expect(try response.errorText() == "machine not found")
        }
    }

    @Test("stop: empty body and fly-go's body are accepted", arguments: [
        (nil, AgentCommand.stop(signal: nil, timeout: nil)),
        ("", .stop(signal: nil, timeout: nil)),
        ("{}", .stop(signal: nil, timeout: nil)),
        (#"{"signal":"SIGTERM","timeout":"0s","id":"x"}"#, .stop(signal: .sigterm, timeout: GoDuration(nanoseconds: 0))),
        (#"{"signal":"SIGQUIT","timeout":"30s"}"#, .stop(signal: MachineSignal(number: 3), timeout: GoDuration(nanoseconds: 30_000_000_000))),
        (#"{"timeout":10000000000}"#, .stop(signal: nil, timeout: GoDuration(nanoseconds: 10_000_000_000))),
    ] as [(String?, AgentCommand)])
    func stop(json: String?, command: AgentCommand) async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            try await api.report(machine.id, .started)
            let response = try await api.request(.post, Self.path(machine, "stop"), json: json)
            #expect(response.status == .ok, "\(response.text)")
            #expect(api.agent.commands.map(\.command) == [command])
        }
    }

    @Test("stop: invalid bodies are refused", arguments: [
        (#"{"timeout":"301s"}"#, HTTPResponse.Status.badRequest),
        (#"{"timeout":"-1s"}"#, .badRequest),
        (#"{"signal":"SIGFOO"}"#, .unprocessableContent),
        (#"{"timeout":"soon"}"#, .unprocessableContent),
        (#"{"signal":"#, .badRequest),
    ] as [(String, HTTPResponse.Status)])
    func stopInvalid(json: String, status: HTTPResponse.Status) async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            #expect(try await api.request(.post, Self.path(machine, "stop"), json: json).status == status)
            #expect(api.agent.commands.isEmpty)
        }
    }

    @Test("restart: timeout as seconds or a Go duration, signal, force_stop", arguments: [
        ("", AgentCommand.restart(signal: nil, timeout: nil)),
        ("?timeout=10", .restart(signal: nil, timeout: GoDuration(nanoseconds: 10_000_000_000))),
        ("?timeout=10s", .restart(signal: nil, timeout: GoDuration(nanoseconds: 10_000_000_000))),
        ("?timeout=1m30s&signal=SIGTERM", .restart(signal: .sigterm, timeout: GoDuration(nanoseconds: 90_000_000_000))),
        ("?signal=TERM", .restart(signal: .sigterm, timeout: nil)),
        ("?force_stop=true", .restart(signal: .sigkill, timeout: nil)),
    ] as [(String, AgentCommand)])
    func restart(query: String, command: AgentCommand) async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let response = try await api.request(.post, Self.path(machine, "restart") + query)
            #expect(response.status == .ok, "\(response.text)")
            #expect(api.agent.commands.map(\.command) == [command])
        }
    }

    @Test("restart: bad query values are 400", arguments: ["?timeout=abc", "?signal=SIGFOO", "?force_stop=sure"])
    func restartInvalid(query: String) async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let response = try await api.request(.post, Self.path(machine, "restart") + query)
            #expect(response.status == .badRequest)
            #expect(try response.errorText().contains("invalid_argument"))
            #expect(api.agent.commands.isEmpty)
        }
    }

    @Test("suspend: an agent that can't suspend gives a clear 4xx")
    func suspendUnsupported() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            api.agent.fail("suspend", with: AgentError(.unsupported, "the container runtime cannot suspend machines; stop the machine instead"))
            let response = try await api.request(.post, Self.path(machine, "suspend"))
            #expect((400..<500).contains(response.status.code))
            #expect(try response.errorText().contains("cannot suspend"))
        }
    }

    @Test("suspend: forwarded to the agent")
    func suspend() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            #expect(try await api.request(.post, Self.path(machine, "suspend")).status == .ok)
            #expect(api.agent.commands.map(\.command) == [.suspend])
        }
    }

    @Test("signal: names and numbers", arguments: [
        (#"{"signal":"SIGTERM"}"#, MachineSignal.sigterm), (#"{"signal":9}"#, .sigkill), (#"{"signal":"SIGUSR1"}"#, MachineSignal(number: 10)),
    ] as [(String, MachineSignal)])
    func signal(json: String, signal: MachineSignal) async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            try await api.report(machine.id, .started)
            let response = try await api.request(.post, Self.path(machine, "signal"), json: json)
            #expect(response.status == .ok)
            #expect(api.agent.commands.map(\.command) == [.signal(signal)])
        }
    }

    @Test("signal: an unknown signal name or number, a missing signal or body: 400 naming the signal", arguments: [
        (#"{"signal":"SIGFOO"}"#, HTTPResponse.Status.badRequest), (#"{"signal":99}"#, .badRequest),
        (#"{}"#, .badRequest), ("", .badRequest), (#"{"signal":null}"#, .badRequest),
    ] as [(String, HTTPResponse.Status)])
    func signalInvalid(json: String, status: HTTPResponse.Status) async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let response = try await api.request(.post, Self.path(machine, "signal"), json: json)
            #expect(response.status == status)
            if !json.isEmpty { #expect(try response.errorText().lowercased().contains("signal")) }
            #expect(api.agent.commands.isEmpty)
        }
    }

    @Test("an action the agent refuses in the machine's state is 412 failed_precondition")
    func invalidState() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            api.agent.fail("signal", with: AgentError(.invalidState, "machine is stopped, only a started machine can be signalled"))
            let response = try await api.request(.post, Self.path(machine, "signal"), json: #"{"signal":"SIGHUP"}"#)
            #expect(response.status == .preconditionFailed)
            #expect(try response.errorText().hasPrefix("failed_precondition"))
        }
    }

    @Test("cordon and uncordon toggle cordoned")
    func cordon() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            #expect(!machine.cordoned)
            #expect(try await api.request(.post, Self.path(machine, "cordon")).status == .ok)
            #expect(try await api.machine(machine.id).cordoned)
            #expect(try await api.request(.post, Self.path(machine, "uncordon")).status == .ok)
            #expect(try await !api.machine(machine.id).cordoned)
        }
    }
}

@Suite("Internal errors")
struct InternalErrorTests {
    typealias API = APIHarness

    @Test("a 500 never echoes the internal error text: it answers the request id, which the log has")
    func masked() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            api.agent.fail("start", with: AgentError(.internalError, "sqlite: disk I/O error at /var/lib/tarmac/agent/agent.db"))
            let response = try await api.request(.post, "/v1/apps/web/machines/\(machine.id)/start")
            #expect(response.status == .internalServerError)
            let text = try response.errorText()
            #expect(!text.contains("sqlite"))
            #expect(!text.contains("/var/lib"))
            let id = try #require(response.requestID)
            #expect(text.contains(id))
        }
    }
}

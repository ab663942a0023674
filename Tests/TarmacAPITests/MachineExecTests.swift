import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TarmacAgentProtocol
import TarmacModel

@Suite("API: exec")
struct MachineExecTests {
    typealias API = APIHarness

    static func path(_ machine: Machine) -> String { "/v1/apps/web/machines/\(machine.id)/exec" }

    @Test("both request forms reach the agent as argv", arguments: [
        (#"{"command":["ls","-l","/"]}"#, ["ls", "-l", "/"]),
        (#"{"cmd":"ls -l /"}"#, ["ls", "-l", "/"]),
        (#"{"cmd":"sh -c 'echo \"a b\"; exit 3'"}"#, ["sh", "-c", #"echo "a b"; exit 3"#]),
        (#"{"cmd":"grep -r \"two words\" /etc"}"#, ["grep", "-r", "two words", "/etc"]),
        (#"{"command":["true"],"cmd":"false"}"#, ["true"]),
        (#"{"command":[],"cmd":"uname -a"}"#, ["uname", "-a"]),
        (#"{"command":["id"],"container":"app","machine":true,"unknown":1}"#, ["id"]),
    ] as [(String, [String])])
    func requestForms(json: String, argv: [String]) async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let response = try await api.request(.post, Self.path(machine), json: json)
            #expect(response.status == .ok, "\(response.text)")
            let exec = try #require(api.agent.execs.first)
            #expect(exec.machineID == machine.id)
            #expect(exec.request.command == argv)
            #expect(exec.request.timeoutSeconds == 30)
            #expect(exec.request.stdin == "")
        }
    }

    @Test("answers exit_code, exit_signal, stdout and stderr; timed_out only when true")
    func answer() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            api.agent.answerExec(.success(AgentExecResult(exitCode: 3, exitSignal: 0, stdout: "out\n", stderr: "err\n", timedOut: false)))
            let response = try await api.request(.post, Self.path(machine), json: #"{"command":["x"],"stdin":"input","timeout":90}"#)
            #expect(response.status == .ok)
            let body = try response.object()
            #expect(body["exit_code"] as? Int == 3)
            #expect(body["exit_signal"] as? Int == 0)
            #expect(body["stdout"] as? String == "out\n")
            #expect(body["stderr"] as? String == "err\n")
            #expect(body["timed_out"] == nil)
            #expect(api.agent.execs.first?.request.stdin == "input")
            #expect(api.agent.execs.first?.request.timeoutSeconds == 90)

            api.agent.answerExec(.success(AgentExecResult(exitCode: 137, exitSignal: 9, stdout: "", stderr: "", timedOut: true)))
            let killed = try await api.request(.post, Self.path(machine), json: #"{"command":["sleep","100"],"timeout":1}"#).object()
            #expect(killed["exit_signal"] as? Int == 9)
            #expect(killed["exit_code"] as? Int == 137)
            #expect(killed["timed_out"] as? Bool == true)
        }
    }

    @Test("timeouts: default 30, bounds 1…3600, numeric strings and Go durations", arguments: [
        (#""timeout":1"#, 1), (#""timeout":3600"#, 3600), (#""timeout":"45""#, 45), (#""timeout":"2m""#, 120),
        (#""timeout":2.5"#, 3), (#""timeout":null"#, 30),
    ] as [(String, Int)])
    func timeouts(field: String, seconds: Int) async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let response = try await api.request(.post, Self.path(machine), json: #"{"command":["true"],\#(field)}"#)
            #expect(response.status == .ok, "\(response.text)")
            #expect(api.agent.execs.first?.request.timeoutSeconds == seconds)
        }
    }

    @Test("bad bodies are refused before reaching the agent", arguments: [
        (#"{"command":["true"],"timeout":0}"#, HTTPResponse.Status.badRequest, "timeout must be between 1 and 3600 seconds"),
        (#"{"command":["true"],"timeout":3601}"#, .badRequest, "timeout must be between 1 and 3600 seconds"),
        (#"{"command":["true"],"timeout":-5}"#, .badRequest, "timeout"),
        (#"{"command":["true"],"timeout":"soon"}"#, .unprocessableContent, "timeout"),
        (#"{}"#, .badRequest, "a command is required"),
        (#"{"command":[]}"#, .badRequest, "a command is required"),
        (#"{"cmd":"   "}"#, .badRequest, "a command is required"),
        (#"{"command":[""]}"#, .badRequest, "must not be empty"),
        (#"{"cmd":"echo 'unbalanced"}"#, .badRequest, "unterminated single quote"),
        (#"{"cmd":"echo \"unbalanced"}"#, .badRequest, "unterminated double quote"),
        (#"{"cmd":"echo \\"}"#, .badRequest, "trailing backslash"),
        (#"{"command":"ls -l"}"#, .unprocessableContent, "command"),
        (#"{"command":["ls"]"#, .badRequest, "invalid JSON"),
    ] as [(String, HTTPResponse.Status, String)])
    func badBodies(json: String, status: HTTPResponse.Status, text: String) async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let response = try await api.request(.post, Self.path(machine), json: json)
            #expect(response.status == status, "\(response.text)")
            #expect(try response.errorText().contains(text), "\(response.text)")
            #expect(api.agent.execs.isEmpty)
        }
    }

    @Test("a missing body is a 400")
    func missingBody() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            #expect(try await api.request(.post, Self.path(machine)).status == .badRequest)
        }
    }

    @Test("a machine that is not started is a 412 failed_precondition")
    func notStarted() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            api.agent.answerExec(.failure(AgentError(.invalidState, "machine is stopped; start it first")))
            let response = try await api.request(.post, Self.path(machine), json: #"{"command":["ls"]}"#)
            #expect(response.status == .preconditionFailed)
            #expect(try response.errorText() == "failed_precondition: machine is stopped; start it first")
        }
    }

    @Test("unknown machine or app is a 404")
    func unknown() async throws {
        try await API.withApp { api in
            let machine = try await api.request(.post, "/v1/apps/web/machines/00000000000000/exec", json: #"{"command":["ls"]}"#)
            #expect(machine.status == .notFound)
            #expect(try machine.errorText() == "machine not found")
            let app = try await api.request(.post, "/v1/apps/nope/machines/00000000000000/exec", json: #"{"command":["ls"]}"#)
            #expect(app.status == .notFound)
            #expect(try app.errorText() == "app not found")
        }
    }

    @Test("a runtime without exec is a 501")
    func unsupported() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            api.agent.answerExec(.failure(AgentError(.unsupported, "this runtime cannot exec")))
            let response = try await api.request(.post, Self.path(machine), json: #"{"command":["ls"]}"#)
            #expect(response.status == .notImplemented)
        }
    }

    @Test("exec needs no lease nonce, even while a lease is held")
    func noLeaseNeeded() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let lease = try await api.request(.post, "/v1/apps/web/machines/\(machine.id)/lease", json: #"{"ttl":120}"#)
            #expect(lease.status == .created)
            let response = try await api.request(.post, Self.path(machine), json: #"{"command":["ls"]}"#)
            #expect(response.status == .ok, "\(response.text)")
        }
    }

    @Test("a destroyed machine is refused")
    func destroyed() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            try await api.report(machine.id, .destroyed)
            let response = try await api.request(.post, Self.path(machine), json: #"{"command":["ls"]}"#)
            #expect([.preconditionFailed, .notFound].contains(response.status), "\(response.status)")
            #expect(api.agent.execs.isEmpty)
        }
    }
}

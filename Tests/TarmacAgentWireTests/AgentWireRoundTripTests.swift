import Foundation
import TarmacAgentProtocol
import TarmacAgentWire
import TarmacModel
import Testing

/// The real client against the real router on a real unix socket: every route carries its
/// arguments and its answer across unchanged, and errors keep their kind and message.
@Suite struct AgentWireRoundTripTests {
    static let token = AgentToken("test-token-0123456789")

    static func client(_ socket: String, token: AgentToken? = AgentWireRoundTripTests.token) -> HTTPAgentClient {
        HTTPAgentClient(endpoint: .unixSocket(path: socket), token: token)
    }

    @Test func everyRouteRoundTripsItsArgumentsAndAnswer() async throws {
        let agent = FakeAgent()
        try await WireHarness.withServer(agent: agent, token: Self.token) { socket in
            try await Self.exerciseEveryRoute(Self.client(socket), agent: agent)
        }
    }

    /// Calls every route once (several for the commands) and checks what the agent got and
    /// what came back; shared with the tunnel's tests, which must carry the same.
    static func exerciseEveryRoute(_ client: HTTPAgentClient, agent: FakeAgent) async throws {
        let answers = agent.answers
        #expect(try await client.info() == answers.info)
        #expect(agent.calls.last?.call == .info)

        let reference = "registry.example.com:5000/team/app@sha256:" + String(repeating: "0", count: 64)
        #expect(try await client.resolveImage(reference) == answers.image)
        #expect(agent.calls.last?.call == .resolveImage(reference))

        for launch in [true, false] {
            #expect(try await client.apply(answers.spec, launch: launch) == answers.status)
            #expect(agent.calls.last?.call == .apply(answers.spec, launch: launch))
        }

        var awkwardSpec = answers.spec
        awkwardSpec.machineID = Answers.awkwardID
        #expect(try await client.apply(awkwardSpec, launch: true) == answers.status)
        #expect(agent.calls.last?.call == .apply(awkwardSpec, launch: true))

        let commands: [AgentCommand] = [
            .start, .stop(signal: nil, timeout: nil), .stop(signal: MachineSignal(number: 15), timeout: GoDuration(nanoseconds: 1_500_000_000)),
            .restart(signal: MachineSignal(number: 9), timeout: nil), .signal(MachineSignal(number: 1)), .suspend,
            .destroy(force: true), .destroy(force: false),
        ]
        for id in [Answers.plainID, Answers.awkwardID] {
            for command in commands {
                #expect(try await client.command(id, command) == answers.status)
                #expect(agent.calls.last?.call == .command(id, command))
            }
        }

        let exec = AgentExecRequest(command: ["sh", "-c", "echo 'ü' && exit 3"], stdin: "line 1\nline ☃\n", timeoutSeconds: 17)
        #expect(try await client.exec(Answers.awkwardID, exec) == answers.exec)
        #expect(agent.calls.last?.call == .exec(Answers.awkwardID, exec))
        #expect(try await client.processes(Answers.awkwardID) == answers.processes)
        #expect(agent.calls.last?.call == .processes(Answers.awkwardID))

        let logsRequest = AgentLogsRequest(
            machineIDs: [Answers.plainID, Answers.awkwardID], after: [Answers.plainID: 41], since: 1_732_000_000_000_000_000, limit: 10_000,
            order: .oldest)
        #expect(try await client.logs(logsRequest) == answers.logs)
        #expect(agent.calls.last?.call == .logs(logsRequest))

        #expect(try await client.machines() == answers.machines)
        #expect(agent.calls.last?.call == .machines)

        #expect(try await client.updates(after: Int64.max - 2, timeout: .seconds(3)) == answers.updates)
        #expect(agent.calls.last?.call == .updates(after: Int64.max - 2, timeout: .seconds(3)))

        try await client.acknowledge(upTo: 42)
        #expect(agent.calls.last?.call == .acknowledge(42))
    }

    @Test(arguments: AgentErrorKinds.all)
    func agentErrorsCrossTheWireWithKindAndMessage(kind: AgentError.Kind) async throws {
        let agent = FakeAgent()
        let sent = AgentError(kind, "\(kind.rawValue): \"quoted\" ü\nsecond line")
        agent.fail(with: sent)
        try await WireHarness.withServer(agent: agent, token: Self.token) { socket in
            let client = Self.client(socket)
            let received = await #expect(throws: AgentError.self) { try await client.info() }
            #expect(received == sent)
            let onMutation = await #expect(throws: AgentError.self) { try await client.command(Answers.plainID, .start) }
            #expect(onMutation == sent)
        }
    }

    @Test func unknownMachineIsNotFound() async throws {
        let agent = FakeAgent()
        try await WireHarness.withServer(agent: agent, token: Self.token) { socket in
            let client = Self.client(socket)
            let error = await #expect(throws: AgentError.self) { try await client.command("no-such-machine", .start) }
            #expect(error?.kind == .notFound)
            #expect(error?.message == "machine no-such-machine not found on this host")
            let exec = await #expect(throws: AgentError.self) {
                try await client.exec("no-such-machine", AgentExecRequest(command: ["true"], timeoutSeconds: 1))
            }
            #expect(exec?.kind == .notFound)
        }
    }

    /// A long-poll in flight must not hold the agent's graceful shutdown up for its timeout.
    @Test func longPollDoesNotHoldUpGracefulShutdown() async throws {
        let agent = FakeAgent(holdsLongPolls: true)
        let clock = ContinuousClock()
        let started = clock.now
        try await WireHarness.withServerGroup(agent: agent, token: Self.token) { socket, group in
            let client = Self.client(socket)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    let error = await #expect(throws: AgentError.self) { try await client.updates(after: 0, timeout: .seconds(55)) }
                    #expect(error?.kind == .unavailable)
                }
                while !agent.calls.contains(where: { $0.requirement == AgentRoute.updates.requirement }) {
                    try await Task.sleep(for: .milliseconds(20))
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
        #expect(clock.now - started < .seconds(20))
    }
}

/// Every `AgentError.Kind`; the switch makes a new kind a compile error here until listed.
enum AgentErrorKinds {
    static let all: [AgentError.Kind] = [.notFound, .imageNotFound, .invalidState, .invalidArgument, .unsupported, .unavailable, .internalError]

    static func listed(_ kind: AgentError.Kind) -> Bool {
        switch kind {
        case .notFound, .imageNotFound, .invalidState, .invalidArgument, .unsupported, .unavailable, .internalError: true
        }
    }
}

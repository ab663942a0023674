import TarmacAgentProtocol
@testable import TarmacAgentWire
import TarmacModel
import Testing

/// The route table is the wire's single source of paths: one entry per `AgentAPI`
/// requirement, no two alike, each reaching exactly the requirement it names.
@Suite struct AgentRouteTableTests {
    @Test func oneUniqueEntryPerRequirement() {
        let routes = AgentRoute.allCases
        #expect(routes.count == 11)
        #expect(Set(routes.map { "\($0.method.rawValue) \($0.template)" }).count == routes.count)
        #expect(Set(routes.map(\.requirement)).count == routes.count)
        for route in routes {
            #expect(route.template.hasPrefix("/agent/v1/"))
        }
    }

    /// Drives each route through the real client and server: the fake records the requirement
    /// by `#function`, so a route wired to the wrong `AgentAPI` method fails here.
    @Test func eachRouteReachesTheRequirementItNames() async throws {
        let agent = FakeAgent()
        let answers = agent.answers
        try await WireHarness.withServer(agent: agent, token: nil) { socket in
            let client = HTTPAgentClient(endpoint: .unixSocket(path: socket), token: nil)
            for route in AgentRoute.allCases {
                let before = agent.calls.count
                switch route {
                case .info: _ = try await client.info()
                case .resolveImage: _ = try await client.resolveImage("nginx")
                case .apply: _ = try await client.apply(answers.spec, launch: false)
                case .command: _ = try await client.command(Answers.plainID, .start)
                case .exec: _ = try await client.exec(Answers.plainID, AgentExecRequest(command: ["true"], timeoutSeconds: 1))
                case .processes: _ = try await client.processes(Answers.plainID)
                case .console:
                    let session = try await client.openConsole(Answers.plainID, AgentConsoleRequest(command: ["sh"]))
                    session.hangUp()
                    for try await _ in session.events {}
                case .logs: _ = try await client.logs(AgentLogsRequest(machineIDs: [Answers.plainID], limit: 1, order: .newest))
                case .machines: _ = try await client.machines()
                case .updates: _ = try await client.updates(after: 0, timeout: .seconds(1))
                case .acknowledge: try await client.acknowledge(upTo: 1)
                }
                let calls = agent.calls.dropFirst(before)
                #expect(calls.map(\.requirement) == [route.requirement], "\(route)")
            }
            #expect(Set(agent.calls.map(\.requirement)) == Set(AgentRoute.allCases.map(\.requirement)))
        }
    }

    @Test func pathsEncodeTheMachineIDAndQuery() {
        #expect(AgentRoute.info.path() == "/agent/v1/info")
        #expect(AgentRoute.command.path(machineID: "abc123") == "/agent/v1/machines/abc123/command")
        #expect(AgentRoute.exec.path(machineID: "a/b c?") == "/agent/v1/machines/a%2Fb%20c%3F/exec")
        #expect(AgentRoute.updates.path(query: [("after", "5"), ("timeout", "25")]) == "/agent/v1/updates?after=5&timeout=25")
        #expect(AgentRoute.apply.path(machineID: "m", query: [("launch", "a&b=c")]) == "/agent/v1/machines/m?launch=a%26b%3Dc")
        #expect(AgentRoute.allCases.filter(\.takesMachineID) == [.apply, .command, .exec, .processes, .console])
    }

    @Test func versionHeaderValues() {
        #expect(AgentWireVersion.check(AgentWireVersion.current) == .compatible)
        #expect(AgentWireVersion.check("1") == .compatible)
        #expect(AgentWireVersion.check("1.42") == .compatible)
        #expect(AgentWireVersion.check(nil) == .missing)
        #expect(AgentWireVersion.check("") == .malformed(""))
        #expect(AgentWireVersion.check("1.2.3") == .malformed("1.2.3"))
        #expect(AgentWireVersion.check("2") == .incompatible(major: 2))
    }

    @Test func tokenComparison() {
        let token = AgentToken("s3cret")
        #expect(token.matches("s3cret"))
        #expect(!token.matches("s3cre"))
        #expect(!token.matches("s3crett"))
        #expect(!token.matches("S3cret"))
        #expect(!token.matches(""))
        #expect(!AgentToken("").matches(""))
        let random = AgentToken.random()
        #expect(random.value.count == 64)
        #expect(random != AgentToken.random())
        #expect(!"\(random)".contains(random.value))
    }

    @Test func deadlinesOutliveTheWork() {
        #expect(HTTPAgentClient.execDeadline(timeoutSeconds: 120) > .seconds(120))
        #expect(HTTPAgentClient.execDeadline(timeoutSeconds: 0) > .seconds(1))
        #expect(HTTPAgentClient.resolveDeadline >= .seconds(3600))
    }
}

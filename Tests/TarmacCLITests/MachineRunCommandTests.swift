import TarmacModel
import Testing
@testable import TarmacCLI

@Suite struct MachineRunCommandTests {
    @Test func buildsTheCreateRequest() throws {
        let command = try MachineRunCommand.parse([
            "nginx:alpine", "-a", "web", "--name", "one", "--region", "local",
            "-e", "A=1", "--env", "B=two words", "--cmd", "nginx -g 'daemon off;'",
            "--entrypoint", "/docker-entrypoint.sh", "--cpus", "2", "--memory", "512",
            "--restart", "always", "--max-retries", "3", "--metadata", "team=core", "--skip-launch",
        ])
        let request = try command.makeRequest()
        #expect(request.name == "one")
        #expect(request.region == "local")
        #expect(request.skipLaunch == true)
        let config = try #require(request.config)
        #expect(config.image == "nginx:alpine")
        #expect(config.env == ["A": "1", "B": "two words"])
        #expect(config.`init`?.cmd == ["nginx", "-g", "daemon off;"])
        #expect(config.`init`?.entrypoint == ["/docker-entrypoint.sh"])
        #expect(config.guest?.cpus == 2)
        #expect(config.guest?.memoryMB == 512)
        #expect(config.restart == MachineConfig.RestartConfig(policy: "always", maxRetries: 3))
        #expect(config.metadata == ["team": "core"])
        #expect(command.app.app == "web")
    }

    @Test func commandAfterDoubleDash() throws {
        let command = try MachineRunCommand.parse(["busybox", "-a", "web", "--", "httpd", "-f", "-p", "8080"])
        let request = try command.makeRequest()
        #expect(request.config?.`init`?.cmd == ["httpd", "-f", "-p", "8080"])
        #expect(request.skipLaunch == nil)
        #expect(request.config?.guest == nil, "unset flags leave the server's defaults")
        #expect(request.config?.restart == nil)
        #expect(request.config?.env == nil)
    }

    @Test func minimalRequest() throws {
        let request = try MachineRunCommand.parse(["nginx", "-a", "web"]).makeRequest()
        #expect(request.config == MachineConfig(image: "nginx"))
        #expect(request.name == nil)
    }

    @Test(arguments: [
        ["nginx", "-a", "web", "--cmd", "a", "--", "b"],
        ["nginx", "-a", "web", "--env", "NOEQUALS"],
        ["nginx", "-a", "web", "--restart", "sometimes"],
        ["nginx", "-a", "web", "--cmd", "'unterminated"],
        ["nginx", "-a", "web", "--cpus", "0"],
        ["nginx", "-a", "web", "--max-retries", "-1"],
        ["nginx", "-a", "web", "--wait-timeout", "soon"],
    ])
    func rejectsBadFlags(arguments: [String]) {
        #expect(throws: (any Error).self) { _ = try MachineRunCommand.parse(arguments) }
    }

    @Test func otherCommandsValidateTheirArguments() throws {
        #expect(throws: (any Error).self) { _ = try MachineSignalCommand.parse(["abc", "SIGNOPE", "-a", "web"]) }
        #expect(throws: (any Error).self) { _ = try MachineWaitCommand.parse(["abc", "-a", "web", "--state", "running"]) }
        #expect(throws: (any Error).self) { _ = try MachineWaitCommand.parse(["abc", "-a", "web", "--timeout", "0s"]) }
        #expect(throws: (any Error).self) { _ = try MachineStopCommand.parse(["abc", "-a", "web", "--timeout", "later"]) }
        #expect(throws: (any Error).self) { _ = try EventsCommand.parse(["-a", "web", "--limit", "0"]) }

        let wait = try MachineWaitCommand.parse(["abc", "-a", "web", "--state", "stopped,suspended", "--state", "destroyed"])
        #expect(try wait.states() == ["stopped", "suspended", "destroyed"])

        let stop = try MachineStopCommand.parse(["abc", "-a", "web", "--signal", "TERM", "--timeout", "30"])
        #expect(try stop.makeRequest() == StopRequest(signal: .sigterm, timeout: GoDuration(seconds: 30)))

        let restart = try MachineRestartCommand.parse(["abc", "-a", "web", "-s", "9", "--timeout", "1m", "--force-stop"])
        let options = try restart.makeOptions()
        #expect(options.signal == "SIGKILL")
        #expect(options.timeout == "1m0s")
        #expect(options.forceStop)

        let list = try MachineListCommand.parse(["-a", "web", "--state", "started,stopped", "--metadata", "a=b", "--all"])
        let listOptions = try list.listOptions()
        #expect(listOptions.states == ["started", "stopped"])
        #expect(listOptions.metadata == ["a": "b"])
        #expect(listOptions.includeDeleted)
    }

    @Test func globalOptionsParse() throws {
        let command = try MachineStatusCommand.parse(["abc", "--api", "http://h:1", "--token", "t", "--json", "-a", "web"])
        #expect(command.client.json)
        #expect(command.client.configuration(environment: [:]).baseURL == "http://h:1")
        #expect(command.client.configuration(environment: [:]).token == "t")
        #expect(try command.app.resolvedApp(environment: [:]) == "web")
    }
}

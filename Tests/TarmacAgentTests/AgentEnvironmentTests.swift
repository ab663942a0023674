import Foundation
import Testing
import TarmacAgentProtocol
import TarmacImage
import TarmacModel
import TarmacRuntime
@testable import TarmacAgent

@Suite("AgentEnvironment.process")
struct AgentEnvironmentTests {
    static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static let image = ImageConfig(
        entrypoint: ["/docker-entrypoint.sh"], cmd: ["nginx", "-g", "daemon off;"],
        env: ["PATH=/opt/bin:/usr/bin", "LANG=C.UTF-8", "PORT=80", "EMPTY="], workingDir: "/srv", user: "101:101")

    static func spec(_ config: MachineConfig) -> AgentMachineSpec {
        AgentMachineSpec(
            machineID: "1857156b526dd8", appName: "web", name: "aged-wind-2649", region: "ams",
            instanceID: "01HEPA330HZ37A78TK080NAK1M", config: config,
            imageRef: ImageRef(registry: "docker.io", repository: "library/nginx", tag: "latest", digest: "sha256:feed", labels: [:]))
    }

    static func process(_ config: MachineConfig, image: ImageConfig = image) throws -> ProcessSpec {
        try AgentEnvironment.process(config: config, image: image, machine: spec(config), privateIP: "172.30.0.5")
    }

    static func config(init initConfig: MachineConfig.InitConfig? = nil, env: [String: String]? = nil, metadata: [String: String]? = nil) -> MachineConfig {
        var config = MachineConfig(image: "nginx")
        config.`init` = initConfig
        config.env = env
        config.metadata = metadata
        return config
    }

    @Test("without init the image entrypoint and cmd run")
    func imageDefaults() throws {
        let process = try Self.process(Self.config())
        #expect(process.args == ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"])
        #expect(process.workingDirectory == "/srv")
        #expect(process.user == "101:101")
    }

    @Test("init.exec overrides entrypoint and cmd, even when both are given")
    func execWins() throws {
        let process = try Self.process(Self.config(init: .init(exec: ["/bin/sh", "-c", "sleep 1"], entrypoint: ["/ep"], cmd: ["cmd"])))
        #expect(process.args == ["/bin/sh", "-c", "sleep 1"])
    }

    @Test("init.entrypoint replaces the image entrypoint and drops the image cmd")
    func entrypointDropsCmd() throws {
        let process = try Self.process(Self.config(init: .init(entrypoint: ["/usr/bin/env"])))
        #expect(process.args == ["/usr/bin/env"])
    }

    @Test("init.entrypoint and init.cmd combine")
    func entrypointAndCmd() throws {
        let process = try Self.process(Self.config(init: .init(entrypoint: ["/usr/bin/env"], cmd: ["printenv", "PORT"])))
        #expect(process.args == ["/usr/bin/env", "printenv", "PORT"])
    }

    @Test("init.cmd replaces the image cmd and keeps the image entrypoint")
    func cmdReplacesCmd() throws {
        let process = try Self.process(Self.config(init: .init(cmd: ["nginx", "-t"])))
        #expect(process.args == ["/docker-entrypoint.sh", "nginx", "-t"])
    }

    @Test("an empty init behaves like no init")
    func emptyInit() throws {
        let process = try Self.process(Self.config(init: .init()))
        #expect(process.args == ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"])
    }

    @Test("env: image env, then FLY_* variables, then machine env wins")
    func envMerge() throws {
        let process = try Self.process(Self.config(env: ["PORT": "8080", "FLY_REGION": "override", "EXTRA": "1"], metadata: ["fly_process_group": "worker"]))
        #expect(process.env == [
            "PATH=/opt/bin:/usr/bin",
            "LANG=C.UTF-8",
            "PORT=8080",
            "EMPTY=",
            "FLY_MACHINE_ID=1857156b526dd8",
            "FLY_APP_NAME=web",
            "FLY_REGION=override",
            "FLY_PRIVATE_IP=172.30.0.5",
            "FLY_MACHINE_VERSION=01HEPA330HZ37A78TK080NAK1M",
            "FLY_IMAGE_REF=sha256:feed",
            "FLY_PROCESS_GROUP=worker",
            "EXTRA=1",
        ])
    }

    @Test("env: a default PATH when the image has none; FLY_PROCESS_GROUP defaults to app")
    func defaultPath() throws {
        let image = ImageConfig(cmd: ["/app"], env: ["KEY_ONLY"])
        let process = try Self.process(Self.config(), image: image)
        #expect(process.env.first == "KEY_ONLY=")
        #expect(process.env.contains(Self.defaultPath))
        #expect(process.env.contains("FLY_PROCESS_GROUP=app"))
        #expect(process.env.filter { $0.hasPrefix("PATH=") }.count == 1)
        #expect(process.workingDirectory == "/")
        #expect(process.user == "")
    }

    @Test("machine env can replace PATH")
    func machinePath() throws {
        let process = try Self.process(Self.config(env: ["PATH": "/custom"]))
        #expect(process.env.filter { $0.hasPrefix("PATH=") } == ["PATH=/custom"])
    }

    @Test("an empty working directory falls back to /")
    func emptyWorkingDirectory() throws {
        let process = try Self.process(Self.config(), image: ImageConfig(cmd: ["/app"], workingDir: ""))
        #expect(process.workingDirectory == "/")
    }

    @Test("nothing to run is an invalid-argument error", arguments: [
        (ImageConfig(), nil),
        (ImageConfig(entrypoint: [], cmd: []), nil),
        (ImageConfig(cmd: ["/app"]), MachineConfig.InitConfig(entrypoint: [])),
    ] as [(ImageConfig, MachineConfig.InitConfig?)])
    func nothingToRun(image: ImageConfig, initConfig: MachineConfig.InitConfig?) {
        do {
            _ = try Self.process(Self.config(init: initConfig), image: image)
            Issue.record("expected an error")
        } catch let error as AgentError {
            #expect(error.kind == .invalidArgument)
            #expect(error.message.contains("init.cmd"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("policy(for:) reads restart policy, max_retries and auto_destroy")
    func policy() throws {
        var config = MachineConfig(image: "nginx")
        #expect(AgentEnvironment.policy(for: config) == MachineFSM.Policy(restart: .onFailure, maxRetries: 10, autoDestroy: false))
        config.restart = .init(policy: "always", maxRetries: 3)
        config.autoDestroy = true
        #expect(AgentEnvironment.policy(for: config) == MachineFSM.Policy(restart: .always, maxRetries: 3, autoDestroy: true))
    }

    @Test("exit events are carried as request.exit_event with restart_count")
    func exitRequest() throws {
        let exit = ExitEvent(exitCode: 1, signal: 0, oomKilled: false, requestedStop: false, restarting: true, exitedAt: "2023-11-14T22:13:20Z")
        let request = try #require(AgentEnvironment.exitRequest(exit, restartCount: 2))
        #expect(request["restart_count"] == .number(2))
        let event = try #require(request["exit_event"])
        #expect(event["exit_code"] == .number(1))
        #expect(event["restarting"] == .bool(true))
        #expect(event["exited_at"] == .string("2023-11-14T22:13:20Z"))
    }
}

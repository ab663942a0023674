import ArgumentParser
import Foundation
import TarmacClient
import TarmacModel

/// `tarmac machine run IMAGE …`: create a machine and wait until it runs.
struct MachineRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Create a machine from an image and wait until it is started.",
        discussion: """
            The command to run can be given as one shell-style string, --cmd "httpd -f -p 8080", \
            or as everything after `--`: tarmac machine run busybox -a web -- httpd -f -p 8080. \
            --entrypoint is split the same way. Without --detach or --skip-launch the command \
            waits for the machine to start (progress on stderr) and prints its ID, name, state \
            and private IP.
            """
    )

    @Argument(help: "Image reference, e.g. nginx:alpine or ghcr.io/org/app:1.2.")
    var image: String

    @Argument(parsing: .postTerminator, help: ArgumentHelp("Command and arguments after `--` (alternative to --cmd).", valueName: "command"))
    var command: [String] = []

    @Option(help: "Machine name (unique in the app; generated when omitted).")
    var name: String?

    @Option(help: "Region to place the machine in.")
    var region: String?

    @Option(name: [.short, .customLong("env")], help: ArgumentHelp("Environment variable; repeatable.", valueName: "KEY=VALUE"))
    var env: [String] = []

    @Option(help: ArgumentHelp("Command (image CMD override), split like a shell does.", valueName: "command"))
    var cmd: String?

    @Option(help: ArgumentHelp("Entrypoint override, split like a shell does.", valueName: "command"))
    var entrypoint: String?

    @Option(help: "Number of CPUs.")
    var cpus: Int?

    @Option(help: ArgumentHelp("Memory in MB (a multiple of 256).", valueName: "MB"))
    var memory: Int?

    @Option(help: ArgumentHelp("Restart policy: no, always or on-failure (default on-failure).", valueName: "policy"))
    var restart: String?

    @Option(help: "Restart attempts for on-failure.")
    var maxRetries: Int?

    @Flag(help: "Destroy the machine when its main process exits.")
    var autoDestroy = false

    @Flag(help: "Create the machine without starting it (stays `created`).")
    var skipLaunch = false

    @Option(help: ArgumentHelp("Metadata entry; repeatable.", valueName: "KEY=VALUE"))
    var metadata: [String] = []

    @Flag(help: "Return after creating the machine; do not wait for it to start.")
    var detach = false

    @Option(help: ArgumentHelp("How long to wait for the machine to start (e.g. 90s, 5m).", valueName: "duration"))
    var waitTimeout = "5m"

    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func validate() throws {
        _ = try makeRequest()
        _ = try ArgumentParsing.duration(waitTimeout, flag: "--wait-timeout")
    }

    /// The create request these flags describe.
    func makeRequest() throws -> CreateMachineRequest {
        var config = MachineConfig(image: image)
        let environment = try ArgumentParsing.keyValues(env, flag: "--env")
        if !environment.isEmpty { config.env = environment }
        let metadataValues = try ArgumentParsing.keyValues(metadata, flag: "--metadata")
        if !metadataValues.isEmpty { config.metadata = metadataValues }

        if cmd != nil, !command.isEmpty {
            throw ValidationError("give the command either with --cmd or after `--`, not both")
        }
        var initConfig = MachineConfig.InitConfig()
        if let cmd {
            let words = try ArgumentParsing.shellWords(cmd, flag: "--cmd")
            guard !words.isEmpty else { throw ValidationError("--cmd is empty") }
            initConfig.cmd = words
        } else if !command.isEmpty {
            initConfig.cmd = command
        }
        if let entrypoint {
            let words = try ArgumentParsing.shellWords(entrypoint, flag: "--entrypoint")
            guard !words.isEmpty else { throw ValidationError("--entrypoint is empty") }
            initConfig.entrypoint = words
        }
        if !initConfig.isEmpty { config.`init` = initConfig }

        if cpus != nil || memory != nil {
            if let cpus, cpus < 1 { throw ValidationError("--cpus must be at least 1") }
            if let memory, memory < 1 { throw ValidationError("--memory must be a positive number of MB") }
            config.guest = MachineConfig.GuestConfig(cpus: cpus, memoryMB: memory)
        }
        if restart != nil || maxRetries != nil {
            let policy = try restart.map(ArgumentParsing.restartPolicy)
            if let maxRetries, maxRetries < 0 { throw ValidationError("--max-retries must not be negative") }
            config.restart = MachineConfig.RestartConfig(policy: policy?.rawValue, maxRetries: maxRetries)
        }
        if autoDestroy { config.autoDestroy = true }
        return CreateMachineRequest(name: name, region: region, config: config, skipLaunch: skipLaunch ? true : nil)
    }

    func run() async throws {
        let appName = try app.resolvedApp()
        let request = try makeRequest()
        let timeout = try ArgumentParsing.duration(waitTimeout, flag: "--wait-timeout").duration
        try await client.withClient { api in
            let created = try await api.send(.createMachine(app: appName, request))
            let machine = try created.decode(Machine.self)
            guard !detach, !skipLaunch else {
                if client.json { return Console.printJSON(created.body) }
                Console.line(MachineFormatting.summary(machine))
                return
            }
            Console.error("Created machine \(machine.id) (\(machine.name)) from \(image)")
            let waiter = MachineWaiter(client: api, app: appName)
            let outcome = try await waiter.wait(
                id: machine.id, states: ["started", "stopped", "failed", "destroyed"], timeout: timeout,
                message: "waiting for machine \(machine.id) to start")
            try await Self.report(
                machineID: machine.id, app: appName, api: api, json: client.json,
                expectDestroyed: autoDestroy && outcome.state == "destroyed")
        }
    }

    /// Prints the machine after the wait; a machine that did not stay up is an error
    /// unless it exited with code 0 (a finished one-shot job) or was auto-destroyed.
    static func report(machineID: String, app: String, api: TarmacClient, json: Bool, expectDestroyed: Bool) async throws {
        let response: APIResponse
        do {
            response = try await api.send(.getMachine(app: app, id: machineID))
        } catch let error as ClientError where error.isNotFound {
            if expectDestroyed {
                Console.error("machine \(machineID) ran and was destroyed (--auto-destroy)")
                return
            }
            throw CLIError(message: "machine \(machineID) was destroyed before it started")
        }
        let machine = try response.decode(Machine.self)
        if json { Console.printJSON(response.body) } else { Console.line(MachineFormatting.summary(machine)) }
        guard machine.state != "started" else { return }
        let exit = machine.events?.first { $0.type == "exit" }
        let detail = exit.map { EventFormatting.detail($0) } ?? ""
        if machine.state == "stopped" || machine.state == "destroyed" && expectDestroyed, let exit, EventFormatting.exitCode(exit) == 0 {
            Console.error("machine \(machineID) ran and exited successfully")
            return
        }
        throw CLIError(message: "machine \(machineID) is \(machine.state)" + (detail.isEmpty ? "" : " (\(detail))")
            + "; see `tarmac machine status \(machineID) -a \(app)`")
    }
}

import TarmacAgentProtocol
import TarmacModel

/// Canned, deliberately awkward values (unicode, empty and optional fields, large numbers)
/// for the round-trip tests to compare exactly.
struct Answers: Sendable {
    /// A plain ID and one that needs percent-encoding in a path segment.
    static let plainID = "d891d7e1c3e468"
    static let awkwardID = "m 1/ü?#%2F&x=y"
    static let machineIDs: Set<String> = [plainID, awkwardID]

    var info = AgentInfo(hostID: "host-ü", region: "ams", runtime: "container", runtimeReason: "auto: no KVM; \"quoted\"\nnewline")
    var image = ImageRef(
        registry: "registry-1.docker.io", repository: "library/nginx", tag: "1.27",
        digest: "sha256:" + String(repeating: "ab", count: 32), labels: ["org.opencontainers.image.title": "nginx ☃", "empty": ""])
    var status = AgentMachineStatus(machineID: Answers.plainID, instanceID: "01JABCDEF", state: .started, privateIP: "172.19.0.2", restartCount: 3, runtime: "container")
    var exec = AgentExecResult(exitCode: 137, exitSignal: 9, stdout: "out ü\n\u{0}\u{1b}[1m", stderr: "", timedOut: true)
    var processes = [
        ProcessStat(pid: 1, stime: 1_732_000_000_123, rtime: 5_000, command: "/.tarmac/init -- sh -c 'httpd ☃'", directory: "/",
                    cpu: 20, rss: 1 << 20, listenSockets: [.init(proto: "tcp", address: "[::]:8080"), .init(proto: "udp", address: "0.0.0.0:53")]),
        ProcessStat(pid: Int32.max, stime: Int64.max, rtime: 0, command: "", directory: "/tmp/ü", cpu: 0, rss: 0, listenSockets: []),
    ]

    var logs = AgentLogsResponse(
        lines: [
            AgentLogLine(machineID: Answers.plainID, timestamp: 1_732_000_000_123_456_789, number: 1, message: "ü☃ \u{1b}[31mred\u{1b}[0m \"q\""),
            AgentLogLine(machineID: Answers.plainID, timestamp: Int64.max, number: Int64.max, message: ""),
        ],
        newest: [Answers.plainID: Int64.max, Answers.awkwardID: 0])

    var spec: AgentMachineSpec {
        var config = MachineConfig(image: "nginx:1.27")
        config.env = ["A": "1", "UNICODE": "ü☃", "EMPTY": ""]
        config.metadata = ["fly_process_group": "app"]
        config.autoDestroy = true
        config.files = .array([.object(["guest_path": .string("/etc/x"), "mode": .number(420)])])
        return AgentMachineSpec(machineID: Answers.plainID, appName: "my-app", name: "web-1", region: "ams", instanceID: "01JABCDEF", config: config, imageRef: image)
    }

    var machines: [AgentMachineStatus] {
        var withSpec = status
        withSpec.spec = spec
        var stopped = status
        stopped.machineID = Answers.awkwardID
        stopped.state = .stopped
        stopped.privateIP = ""
        return [withSpec, stopped]
    }

    var updates: [AgentUpdate] {
        [
            AgentUpdate(sequence: Int64.max - 1, status: status, event: MachineEvent(
                id: "01JEVENT", type: "start", status: "started", source: "flyd", timestamp: 1_732_000_000_123,
                request: .object(["exit_event": .object(["exit_code": .number(0), "oom_killed": .bool(false)]), "n": .null]))),
            AgentUpdate(sequence: 7, status: machines[1], event: nil),
        ]
    }
}

import TarmacModel

/// The boundary between the control plane and a host agent. The control plane only ever
/// talks to an agent through this protocol; `tarmac dev` uses the same HTTP transport
/// (over a unix socket) that a remote agent uses over TCP, so nothing is shared in memory.
///
/// Every mutating call returns only after the agent has made the change durable in its
/// local store, so what the API acknowledges survives a crash of either side.
public protocol AgentAPI: Sendable {
    func info() async throws -> AgentInfo
    /// Resolves an image reference against the host's image store.
    func resolveImage(_ reference: String) async throws -> ImageRef
    /// Creates or replaces (update) a machine's spec; `launch` starts it after. Idempotent,
    /// keyed by machine ID and version (`instanceID`): applying the version the agent already
    /// has changes nothing and answers its status, so a retry after a lost reply is harmless.
    /// A machine destroyed on this host is refused with `notFound` (the agent keeps a tombstone).
    func apply(_ spec: AgentMachineSpec, launch: Bool) async throws -> AgentMachineStatus
    /// Runs a lifecycle command on a known machine.
    func command(_ machineID: String, _ command: AgentCommand) async throws -> AgentMachineStatus
    /// Runs a command inside a started machine and returns once it has ended (or was killed
    /// at its timeout). Refused with `invalidState` when the machine is not started.
    func exec(_ machineID: String, _ request: AgentExecRequest) async throws -> AgentExecResult
    /// The processes of a started machine (`ps`). Refused with `invalidState` when the
    /// machine is not started.
    func processes(_ machineID: String) async throws -> [ProcessStat]
    /// Opens an interactive session (a command on a terminal) in a started machine; refused
    /// with `invalidState` when it is not started, `unsupported` when its runtime has none.
    /// The session does not go through the machine's supervisor.
    func openConsole(_ machineID: String, _ request: AgentConsoleRequest) async throws -> AgentConsoleSession
    /// Lines of the logs of the named machines, merged in time order (`AgentLogsRequest`).
    /// Refused with `invalidArgument` for a malformed machine ID or a limit out of range.
    func logs(_ request: AgentLogsRequest) async throws -> AgentLogsResponse
    /// Every machine the agent knows, each with its spec, for reconciliation.
    func machines() async throws -> [AgentMachineStatus]
    /// State updates with a sequence number above `after`, long-polling up to `timeout`.
    func updates(after: Int64, timeout: Duration) async throws -> [AgentUpdate]
    /// Lets the agent drop updates up to and including `sequence` (the control plane stored them).
    func acknowledge(upTo sequence: Int64) async throws
}

public struct AgentInfo: Sendable, Hashable, Codable {
    public var hostID: String
    public var region: String
    public var runtime: String
    public var runtimeReason: String

    public init(hostID: String, region: String, runtime: String, runtimeReason: String) {
        self.hostID = hostID
        self.region = region
        self.runtime = runtime
        self.runtimeReason = runtimeReason
    }
}

/// Everything the agent needs to run a machine, pushed by the control plane.
public struct AgentMachineSpec: Sendable, Hashable, Codable {
    public var machineID: String
    public var appName: String
    public var name: String
    public var region: String
    public var instanceID: String
    public var config: MachineConfig
    public var imageRef: ImageRef

    public init(machineID: String, appName: String, name: String, region: String, instanceID: String, config: MachineConfig, imageRef: ImageRef) {
        self.machineID = machineID
        self.appName = appName
        self.name = name
        self.region = region
        self.instanceID = instanceID
        self.config = config
        self.imageRef = imageRef
    }
}

public enum AgentCommand: Sendable, Hashable, Codable {
    case start
    case stop(signal: MachineSignal?, timeout: GoDuration?)
    case restart(signal: MachineSignal?, timeout: GoDuration?)
    case signal(MachineSignal)
    case suspend
    case destroy(force: Bool)
}

/// The agent's view of one machine.
public struct AgentMachineStatus: Sendable, Hashable, Codable {
    public var machineID: String
    public var instanceID: String
    public var state: MachineState
    public var privateIP: String
    public var restartCount: Int
    public var runtime: String
    /// The spec the agent runs, in `machines()` answers only: lets a control plane that lost
    /// its record adopt the machine instead of guessing.
    public var spec: AgentMachineSpec?
    /// The machine's health checks as last probed (nil when its config has none).
    public var checks: [Machine.CheckStatus]?

    public init(
        machineID: String, instanceID: String, state: MachineState, privateIP: String, restartCount: Int, runtime: String,
        spec: AgentMachineSpec? = nil, checks: [Machine.CheckStatus]? = nil
    ) {
        self.machineID = machineID
        self.instanceID = instanceID
        self.state = state
        self.privateIP = privateIP
        self.restartCount = restartCount
        self.runtime = runtime
        self.spec = spec
        self.checks = checks
    }
}

/// One durable state change reported by an agent: the machine's new state and, when the
/// change is one the Machines API lists, the event to append to its log.
public struct AgentUpdate: Sendable, Hashable, Codable {
    public var sequence: Int64
    public var status: AgentMachineStatus
    public var event: MachineEvent?

    public init(sequence: Int64, status: AgentMachineStatus, event: MachineEvent?) {
        self.sequence = sequence
        self.status = status
        self.event = event
    }
}

public struct ImageResolveRequest: Sendable, Hashable, Codable {
    public var reference: String
    public init(reference: String) { self.reference = reference }
}

public struct AgentUpdatesResponse: Sendable, Hashable, Codable {
    public var updates: [AgentUpdate]
    public init(updates: [AgentUpdate]) { self.updates = updates }
}

/// An error an agent answered with. `kind` lets the control plane map it to the right
/// API status without parsing text.
public struct AgentError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        case notFound = "not_found"
        case imageNotFound = "image_not_found"
        case invalidState = "invalid_state"
        case invalidArgument = "invalid_argument"
        case unsupported
        case unavailable
        case internalError = "internal"
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

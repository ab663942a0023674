/// One entry of `config.services`: a `protocol`/`internal_port` pair on the machine that
/// the proxy exposes on public `ports`, with load limits, autostop/autostart and checks.
///
/// Decoding is lenient (unknown fields ignored, integers may be numeric strings, unknown
/// enumeration values kept); ``ConfigValidation`` enforces what is required. Encoding
/// produces Fly's wire shape and omits unset fields.
public struct MachineService: Sendable, Hashable, Codable {
    /// `tcp` or `udp`; required.
    public var `protocol`: TransportProtocol?
    /// The port the machine listens on; required.
    public var internalPort: Int?
    public var ports: [ServicePort]?
    public var concurrency: ServiceConcurrency?
    /// Start a stopped or suspended machine when a request arrives.
    public var autostart: Bool?
    /// Stop or suspend the machine when it is idle (default off).
    public var autostop: ServiceAutostop?
    /// Machines of this service kept running in the primary region while autostop is on.
    public var minMachinesRunning: Int?
    /// Service checks; one that fails takes the machine out of load balancing.
    public var checks: [MachineCheck]?
    public var forceInstanceKey: String?
    public var forceInstanceDescription: String?

    public init(
        protocol: TransportProtocol? = nil, internalPort: Int? = nil, ports: [ServicePort]? = nil,
        concurrency: ServiceConcurrency? = nil, autostart: Bool? = nil, autostop: ServiceAutostop? = nil,
        minMachinesRunning: Int? = nil, checks: [MachineCheck]? = nil,
        forceInstanceKey: String? = nil, forceInstanceDescription: String? = nil
    ) {
        self.protocol = `protocol`
        self.internalPort = internalPort
        self.ports = ports
        self.concurrency = concurrency
        self.autostart = autostart
        self.autostop = autostop
        self.minMachinesRunning = minMachinesRunning
        self.checks = checks
        self.forceInstanceKey = forceInstanceKey
        self.forceInstanceDescription = forceInstanceDescription
    }

    enum CodingKeys: String, CodingKey {
        case `protocol`, ports, concurrency, autostart, autostop, checks
        case internalPort = "internal_port"
        case minMachinesRunning = "min_machines_running"
        case forceInstanceKey = "force_instance_key"
        case forceInstanceDescription = "force_instance_description"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        `protocol` = try container.decodeIfPresent(TransportProtocol.self, forKey: .protocol)
        internalPort = try container.decodeLenientInt(forKey: .internalPort)
        ports = try container.decodeIfPresent([ServicePort].self, forKey: .ports)
        concurrency = try container.decodeIfPresent(ServiceConcurrency.self, forKey: .concurrency)
        autostart = try container.decodeIfPresent(Bool.self, forKey: .autostart)
        autostop = try container.decodeIfPresent(ServiceAutostop.self, forKey: .autostop)
        minMachinesRunning = try container.decodeLenientInt(forKey: .minMachinesRunning)
        checks = try container.decodeIfPresent([MachineCheck].self, forKey: .checks)
        forceInstanceKey = try container.decodeIfPresent(String.self, forKey: .forceInstanceKey)
        forceInstanceDescription = try container.decodeIfPresent(String.self, forKey: .forceInstanceDescription)
    }

    /// The transport a service speaks.
    public struct TransportProtocol: OpenEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let tcp: Self = "tcp"
        public static let udp: Self = "udp"
        public static let knownValues: [Self] = [.tcp, .udp]
    }

    /// The effective autostop (`off` unless given).
    public var effectiveAutostop: ServiceAutostop { autostop ?? .off }
}

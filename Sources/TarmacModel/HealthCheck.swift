/// A check a machine runs, as the agent runs it: named the way the Machines API shows it
/// (top-level checks by their map key, service checks `servicecheck-NN-<type>-<port>`),
/// with every default filled in.
public struct HealthCheck: Sendable, Hashable, Codable {
    public var name: String
    public var type: MachineCheck.CheckType
    public var port: Int
    public var interval: GoDuration
    public var timeout: GoDuration
    public var gracePeriod: GoDuration
    /// HTTP checks only.
    public var method: String
    public var path: String
    public var scheme: String
    public var tlsSkipVerify: Bool
    /// HTTPS checks: the name to request and verify the certificate for (SNI), while
    /// connecting to the machine's address.
    public var tlsServerName: String?
    public var headers: [MachineCheck.Header]
    /// Whether failing takes the machine out of load balancing: `kind: readiness` for
    /// top-level checks, always for service checks.
    public var readiness: Bool
    /// Tarmac extension: how long the check may fail before the machine is restarted.
    public var restartAfter: GoDuration?

    public static let defaultInterval = GoDuration(seconds: 15)
    public static let defaultTimeout = GoDuration(seconds: 2)

    public init(name: String, check: MachineCheck, defaultPort: Int?, readiness: Bool) {
        self.name = name
        type = check.type ?? .tcp
        port = check.port ?? defaultPort ?? 0
        interval = check.interval ?? Self.defaultInterval
        timeout = check.timeout ?? Self.defaultTimeout
        gracePeriod = check.gracePeriod ?? GoDuration(nanoseconds: 0)
        method = (check.method ?? "GET").uppercased()
        path = check.path ?? "/"
        scheme = check.protocol ?? "http"
        tlsSkipVerify = check.tlsSkipVerify ?? false
        tlsServerName = check.tlsServerName
        headers = check.headers ?? []
        self.readiness = readiness
        restartAfter = check.restartAfter
    }
}

/// The state of one check (`checks[].status`).
public enum CheckState: String, Sendable, Hashable, Codable {
    case passing, warning, critical
}

extension MachineConfig {
    /// Every check this config asks for: the top-level ones sorted by name (a missing port
    /// is the first service's `internal_port`), then the services' in order, numbered across
    /// all services.
    public var healthChecks: [HealthCheck] {
        let firstPort = services?.first?.internalPort
        var all = (checks ?? [:]).sorted { $0.key < $1.key }.map { name, check in
            HealthCheck(name: name, check: check, defaultPort: firstPort, readiness: check.kind == .readiness)
        }
        var number = 0
        for service in services ?? [] {
            for check in service.checks ?? [] {
                let port = check.port ?? service.internalPort ?? 0
                let type = (check.type ?? .tcp).rawValue
                let name = "servicecheck-" + (number < 10 ? "0" : "") + "\(number)-\(type)-\(port)"
                all.append(HealthCheck(name: name, check: check, defaultPort: service.internalPort, readiness: true))
                number += 1
            }
        }
        return all
    }
}

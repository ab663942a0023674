/// Checks of `services`, `checks` and `mounts`, run by ``ConfigValidation/normalize(_:)``
/// and usable on their own. Each issue names the offending field the way a client wrote
/// it: `config.services[0].ports[1].port`, `config.checks.alive.interval`,
/// `config.mounts[0].path`.
extension ConfigValidation {
    public static let portRange = 1...65535
    /// Shortest check interval accepted: also catches seconds sent as a bare JSON number,
    /// which the API reads as nanoseconds.
    public static let minimumCheckInterval = GoDuration(seconds: 1)

    public static func validate(services: [MachineService]?) throws(Issue) {
        for (index, service) in (services ?? []).enumerated() {
            let field = "config.services[\(index)]"
            try known(service.protocol, field: field + ".protocol", required: true)
            guard let internalPort = service.internalPort else {
                throw Issue(field: field + ".internal_port", message: "is required")
            }
            try port(internalPort, field: field + ".internal_port")
            for (portIndex, entry) in (service.ports ?? []).enumerated() {
                try validate(port: entry, field: field + ".ports[\(portIndex)]")
            }
            if let concurrency = service.concurrency {
                try validate(concurrency: concurrency, field: field + ".concurrency")
            }
            try notNegative(service.minMachinesRunning, field: field + ".min_machines_running")
            for (checkIndex, check) in (service.checks ?? []).enumerated() {
                try validate(check: check, field: field + ".checks[\(checkIndex)]")
            }
        }
    }

    /// `services` lets a top-level check without a port default to the first service's
    /// `internal_port`; with no services the port is required.
    public static func validate(checks: [String: MachineCheck]?, services: [MachineService]? = nil) throws(Issue) {
        for (name, check) in (checks ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty else { throw Issue(field: "config.checks", message: "check names must not be empty") }
            try validate(check: check, field: "config.checks.\(name)")
            guard check.port != nil || services?.first?.internalPort != nil else {
                throw Issue(field: "config.checks.\(name).port", message: "is required: the machine has no service whose internal_port it could default to")
            }
        }
    }

    public static func validate(mounts: [MachineMount]?) throws(Issue) {
        var seen: [String: Int] = [:]
        for (index, mount) in (mounts ?? []).enumerated() {
            let field = "config.mounts[\(index)]"
            guard let path = mount.path, !path.isEmpty else { throw Issue(field: field + ".path", message: "is required") }
            guard path.hasPrefix("/") else {
                throw Issue(field: field + ".path", message: "must be an absolute path, got \"\(path)\"")
            }
            let components = path.split(separator: "/", omittingEmptySubsequences: true)
            guard !components.isEmpty else { throw Issue(field: field + ".path", message: "must not be the root directory \"/\"") }
            guard !components.contains(where: { $0 == ".." || $0 == "." }) else {
                throw Issue(field: field + ".path", message: "must not contain \".\" or \"..\" components, got \"\(path)\"")
            }
            let canonical = "/" + components.joined(separator: "/")
            if let earlier = seen[canonical] {
                throw Issue(field: field + ".path", message: "\"\(canonical)\" is already mounted by config.mounts[\(earlier)]")
            }
            seen[canonical] = index
            if let volume = mount.volume, volume.isEmpty {
                throw Issue(field: field + ".volume", message: "must not be empty when given")
            }
            for (key, value) in [("size_gb", mount.sizeGB), ("add_size_gb", mount.addSizeGB), ("add_size_percent", mount.addSizePercent),
                                 ("min_add_size_gb", mount.minAddSizeGB), ("size_gb_limit", mount.sizeGBLimit)] {
                try notNegative(value, field: field + "." + key)
            }
            if let threshold = mount.extendThresholdPercent, !(0...100).contains(threshold) {
                throw Issue(field: field + ".extend_threshold_percent", message: "must be between 0 and 100, got \(threshold)")
            }
            if let size = mount.sizeGB, let limit = mount.sizeGBLimit, size > 0, limit > 0, limit < size {
                throw Issue(field: field + ".size_gb_limit", message: "must not be below size_gb (\(size)), got \(limit)")
            }
        }
    }

    static func validate(port entry: ServicePort, field: String) throws(Issue) {
        if let number = entry.port { try port(number, field: field + ".port") }
        if let start = entry.startPort { try port(start, field: field + ".start_port") }
        if let end = entry.endPort { try port(end, field: field + ".end_port") }
        if let start = entry.startPort, let end = entry.endPort, end < start {
            throw Issue(field: field + ".end_port", message: "must not be below start_port (\(start)), got \(end)")
        }
        guard entry.port != nil || entry.startPort != nil || entry.endPort != nil else {
            throw Issue(field: field + ".port", message: "is required (or start_port and end_port for a range)")
        }
        for (index, handler) in (entry.handlers ?? []).enumerated() where handler.isEmpty {
            throw Issue(field: field + ".handlers[\(index)]", message: "must not be empty")
        }
        if let options = entry.httpOptions {
            try notNegative(options.idleTimeout, field: field + ".http_options.idle_timeout")
            try notNegative(options.headersReadTimeout, field: field + ".http_options.headers_read_timeout")
        }
    }

    static func validate(concurrency: ServiceConcurrency, field: String) throws(Issue) {
        try known(concurrency.type, field: field + ".type", required: false)
        try notNegative(concurrency.softLimit, field: field + ".soft_limit")
        try notNegative(concurrency.hardLimit, field: field + ".hard_limit")
        if let soft = concurrency.softLimit, let hard = concurrency.hardLimit, hard > 0, soft > hard {
            throw Issue(field: field + ".soft_limit", message: "must not exceed hard_limit (\(hard)), got \(soft)")
        }
    }

    static func validate(check: MachineCheck, field: String) throws(Issue) {
        try known(check.type, field: field + ".type", required: true)
        if let number = check.port { try port(number, field: field + ".port") }
        if let interval = check.interval, interval.nanoseconds < minimumCheckInterval.nanoseconds {
            throw Issue(field: field + ".interval", message: "must be at least \(minimumCheckInterval), got \(interval) (a JSON number is read as nanoseconds; use a string such as \"15s\")")
        }
        if let timeout = check.timeout, timeout.nanoseconds <= 0 {
            throw Issue(field: field + ".timeout", message: "must be positive, got \(timeout)")
        }
        if let grace = check.gracePeriod, grace.nanoseconds < 0 {
            throw Issue(field: field + ".grace_period", message: "must not be negative, got \(grace)")
        }
        if let scheme = check.protocol, scheme != "http", scheme != "https" {
            throw Issue(field: field + ".protocol", message: "must be \"http\" or \"https\", got \"\(scheme)\"")
        }
        if let path = check.path, !path.hasPrefix("/") {
            throw Issue(field: field + ".path", message: "must start with \"/\", got \"\(path)\"")
        }
        if let after = check.restartAfter, after.nanoseconds < minimumCheckInterval.nanoseconds {
            throw Issue(field: field + ".restart_after", message: "must be at least \(minimumCheckInterval), got \(after)")
        }
        if let method = check.method, !isHTTPToken(method) {
            throw Issue(field: field + ".method", message: "must be an HTTP method such as \"GET\", got \"\(method)\"")
        }
        try known(check.kind, field: field + ".kind", required: false)
        for header in check.headers ?? [] {
            guard isHTTPToken(header.name) else {
                throw Issue(field: field + ".headers", message: "invalid header name \"\(header.name)\"")
            }
            // Scalars, not Characters: "\r\n" is one Character that equals neither "\r" nor "\n".
            for value in header.values where value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
                throw Issue(field: field + ".headers", message: "the value of header \"\(header.name)\" must not contain line breaks")
            }
        }
    }

    static func known<Value: OpenEnum>(_ value: Value?, field: String, required: Bool) throws(Issue) {
        guard let value else {
            if required { throw Issue(field: field, message: "is required (\(Value.knownList))") }
            return
        }
        guard value.isKnown else {
            throw Issue(field: field, message: "must be \(Value.knownList), got \"\(value.rawValue)\"")
        }
    }

    static func port(_ number: Int, field: String) throws(Issue) {
        guard portRange.contains(number) else {
            throw Issue(field: field, message: "must be between \(portRange.lowerBound) and \(portRange.upperBound), got \(number)")
        }
    }

    static func notNegative(_ value: Int?, field: String) throws(Issue) {
        if let value, value < 0 { throw Issue(field: field, message: "must not be negative, got \(value)") }
    }

    /// An RFC 9110 token: header names and methods.
    static func isHTTPToken(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar))
        }
    }
}

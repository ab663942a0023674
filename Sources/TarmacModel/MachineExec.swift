import Foundation

/// Body of `POST …/exec`: a command to run inside a started machine.
///
/// The command is either `command` (argv, what the spec documents) or the deprecated `cmd`
/// string that flyctl sends, split into words like a shell does (see ``ShellWords``); when
/// both are given, `command` wins. `container` and `machine` are accepted and ignored (a
/// Tarmac machine has one container).
public struct MachineExecRequest: Sendable, Hashable, Codable {
    public var command: [String]?
    public var cmd: String?
    /// Written to the command's standard input, which is then closed.
    public var stdin: String?
    /// Seconds before the command is killed. JSON numbers, numeric strings and Go duration
    /// strings (`"30s"`) are accepted; fractions round up to whole seconds.
    public var timeout: Int?

    public init(command: [String]? = nil, cmd: String? = nil, stdin: String? = nil, timeout: Int? = nil) {
        self.command = command
        self.cmd = cmd
        self.stdin = stdin
        self.timeout = timeout
    }

    enum CodingKeys: String, CodingKey {
        case command, cmd, stdin, timeout
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        command = try container.decodeIfPresent([String].self, forKey: .command)
        cmd = try container.decodeIfPresent(String.self, forKey: .cmd)
        stdin = try container.decodeIfPresent(String.self, forKey: .stdin)
        timeout = try Self.decodeSeconds(container, .timeout)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(command, forKey: .command)
        try container.encodeIfPresent(cmd, forKey: .cmd)
        try container.encodeIfPresent(stdin, forKey: .stdin)
        try container.encodeIfPresent(timeout, forKey: .timeout)
    }

    private static func decodeSeconds(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int? {
        guard container.contains(key), try !container.decodeNil(forKey: key) else { return nil }
        if let whole = try? container.decode(Int.self, forKey: key) { return whole }
        if let number = try? container.decode(Double.self, forKey: key) { return try rounded(number, container, key) }
        let text = try container.decode(String.self, forKey: key).trimmingCharacters(in: .whitespaces)
        if let number = Double(text) { return try rounded(number, container, key) }
        guard let duration = GoDuration(parsing: text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "expected a number of seconds, got \"\(text)\"")
        }
        return try rounded(duration.seconds, container, key)
    }

    private static func rounded(_ seconds: Double, _ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int {
        guard seconds.isFinite, abs(seconds) < 1e9 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "expected a number of seconds, got \(seconds)")
        }
        return Int(seconds.rounded(.up))
    }
}

/// Answer of `POST …/exec`: how the command ended and what it printed.
///
/// `exit_signal` is the signal that killed the command (0 when it exited); `exit_code` is
/// then 128 + signal, as a shell reports it. Each output is capped (1 MiB by default) and
/// ends with a `[tarmac: output truncated …]` line when it was cut. `timed_out` is a Tarmac
/// extension, present and true only when the command ran past its timeout and was killed.
public struct MachineExecResponse: Sendable, Hashable, Codable {
    public var exitCode: Int
    public var exitSignal: Int
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool?

    public init(exitCode: Int, exitSignal: Int, stdout: String, stderr: String, timedOut: Bool? = nil) {
        self.exitCode = exitCode
        self.exitSignal = exitSignal
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
    }

    enum CodingKeys: String, CodingKey {
        case stdout, stderr
        case exitCode = "exit_code"
        case exitSignal = "exit_signal"
        case timedOut = "timed_out"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        exitCode = try container.decodeIfPresent(Int.self, forKey: .exitCode) ?? 0
        exitSignal = try container.decodeIfPresent(Int.self, forKey: .exitSignal) ?? 0
        stdout = try container.decodeIfPresent(String.self, forKey: .stdout) ?? ""
        stderr = try container.decodeIfPresent(String.self, forKey: .stderr) ?? ""
        timedOut = try container.decodeIfPresent(Bool.self, forKey: .timedOut)
    }

    /// The status a shell would report: the exit code, or 128 + signal.
    public var shellStatus: Int {
        exitSignal != 0 && exitCode == 0 ? 128 + exitSignal : exitCode
    }
}

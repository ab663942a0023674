import TarmacModel

/// A command for the agent to run inside one of its started machines; already validated and
/// normalised by the control plane (argv, not a shell string).
public struct AgentExecRequest: Sendable, Hashable, Codable {
    public var command: [String]
    /// Written to the command's standard input, which is then closed.
    public var stdin: String
    /// Seconds before the command is killed.
    public var timeoutSeconds: Int

    public init(command: [String], stdin: String = "", timeoutSeconds: Int) {
        self.command = command
        self.stdin = stdin
        self.timeoutSeconds = timeoutSeconds
    }
}

/// How an exec'd command ended, and its (bounded) output.
public struct AgentExecResult: Sendable, Hashable, Codable {
    public var exitCode: Int
    /// Signal that killed the command, else 0.
    public var exitSignal: Int
    public var stdout: String
    public var stderr: String
    /// The command ran past its timeout and was killed.
    public var timedOut: Bool

    public init(exitCode: Int, exitSignal: Int, stdout: String, stderr: String, timedOut: Bool) {
        self.exitCode = exitCode
        self.exitSignal = exitSignal
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
    }
}

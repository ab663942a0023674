/// The runtime defaults an image carries (the `config` object of an OCI image config):
/// what to run, in which environment, as whom. A machine's own config overrides these.
public struct ImageConfig: Sendable, Hashable, Codable {
    public var entrypoint: [String]?
    public var cmd: [String]?
    /// `KEY=VALUE` entries.
    public var env: [String]?
    public var workingDir: String?
    public var user: String?
    public var labels: [String: String]?

    public init(
        entrypoint: [String]? = nil, cmd: [String]? = nil, env: [String]? = nil,
        workingDir: String? = nil, user: String? = nil, labels: [String: String]? = nil
    ) {
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.env = env
        self.workingDir = workingDir
        self.user = user
        self.labels = labels
    }
}

import Foundation
import TarmacSystem

extension ContainerDriver {
    public struct Configuration: Sendable {
        /// runc's state directory (`--root`), e.g. `<dataDir>/runc`. Every container in it
        /// belongs to this driver.
        public var runcRoot: String
        /// How to start the shim: program and leading arguments. Default
        /// `ContainerDriver.defaultShimCommand()`: the small `tarmac-shim` next to this
        /// executable, else this executable's hidden `runtime-shim` subcommand.
        public var shimCommand: [String]
        /// Returns the unpacked layer directories of an image digest, lowest layer first.
        public var layers: @Sendable (_ imageDigest: String) async throws -> [String]
        /// The runc program (name looked up in PATH, or a path). Default `runc`.
        public var runc: String
        /// Prefix of every host-global name: netns `<prefix>-<id>`, cgroup `/<prefix>/<id>`,
        /// overlay source `<prefix>-<id>`, veth alias `<prefix>/<id>`. Default `tarmac`.
        /// Give test runs their own prefix (not starting with `tarmac-`) so orphan removal on
        /// either side never touches the other.
        public var resourcePrefix: String
        /// How long `start()` waits for each step of the shim (create, start). Default 30 s.
        public var startTimeout: Duration
        /// How often `wait()` checks the shim where the kernel has no pidfds (Linux < 5.3);
        /// elsewhere the shim's end wakes it (`ProcessExitMonitor`). Default 25 ms.
        public var pollInterval: Duration
        /// Nameservers written to a machine's resolv.conf when its spec lists none.
        public var fallbackNameservers: [String]
        /// RLIMIT_NOFILE of the machine's processes, capped at the agent's own hard limit.
        /// Default 1,048,576.
        public var openFilesLimit: UInt64
        /// A static init (tini) run as the container's PID 1 in front of the machine's
        /// process, so signals reach the process (the kernel ignores signals a PID 1 has no
        /// handler for) and zombies are reaped. Default: Debian's `/usr/bin/tini-static`
        /// when installed; nil runs the process as PID 1 itself.
        public var initProgram: String? = ContainerDriver.defaultInitProgram()

        public init(
            runcRoot: String,
            shimCommand: [String] = ContainerDriver.defaultShimCommand(),
            layers: @escaping @Sendable (_ imageDigest: String) async throws -> [String],
            runc: String = "runc",
            resourcePrefix: String = "tarmac",
            startTimeout: Duration = .seconds(30),
            pollInterval: Duration = .milliseconds(25),
            fallbackNameservers: [String] = ["1.1.1.1", "8.8.8.8"],
            openFilesLimit: UInt64 = 1_048_576
        ) {
            self.runcRoot = runcRoot
            self.shimCommand = shimCommand
            self.layers = layers
            self.runc = runc
            self.resourcePrefix = resourcePrefix
            self.startTimeout = startTimeout
            self.pollInterval = pollInterval
            self.fallbackNameservers = fallbackNameservers
            self.openFilesLimit = openFilesLimit
        }
    }
}

extension ContainerDriver {
    /// Debian's static tini, when installed (`apt-get install tini`).
    public static func defaultInitProgram() -> String? {
        let path = "/usr/bin/tini-static"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }
}

extension ContainerDriver {
    /// Name of the shim executable, installed (and built) next to `tarmac`.
    public static let shimExecutableName = "tarmac-shim"

    /// The shim command of a `tarmac` executable at `tarmac`: the `tarmac-shim` in the same
    /// directory when it exists (a static, Glibc-only program that is ready ~1 ms after its
    /// exec), else `tarmac runtime-shim` (the same shim inside the big binary, ~20 ms to load).
    ///
    /// `TARMAC_SHIM` in the environment overrides the choice (for benchmarks and
    /// comparisons): `runtime-shim` (or `big`) forces `tarmac runtime-shim`, a path names
    /// the shim program to run.
    public static func defaultShimCommand(tarmac: String = Processes.currentExecutable(),
                                          environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        let legacy = [tarmac, "runtime-shim"]
        switch environment["TARMAC_SHIM"] {
        case "runtime-shim", "big":
            return legacy
        case let program? where !program.isEmpty:
            return [program]
        default:
            let directory = (tarmac as NSString).deletingLastPathComponent
            let shim = directory.isEmpty ? shimExecutableName : "\(directory)/\(shimExecutableName)"
            return FileManager.default.isExecutableFile(atPath: shim) ? [shim] : legacy
        }
    }
}

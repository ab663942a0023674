import TarmacShimCore

/// The per-container supervisor the container driver starts: the `tarmac-shim` executable
/// (next to `tarmac`), or `tarmac runtime-shim` where it is missing. Both run
/// `TarmacShimCore.Shim`, which documents the start protocol; this is the driver's view of
/// it: the configuration it sends and the descriptor the shim reads it from.
public struct ContainerShim: Sendable {
    /// The `config <JSON>` of the start protocol, encoded with `JSONEncoder`; the shim decodes
    /// it as `ShimConfiguration`, whose member names are these.
    public struct Configuration: Sendable, Hashable, Codable {
        public var runc: String
        public var runcRoot: String
        public var containerID: String
        public var bundle: String
        /// Machine log: the container's stdout and stderr, opened O_APPEND.
        public var logPath: String
        public var pidFile: String
        /// runc's own log (JSON), where its error messages are read from.
        public var runcLog: String
        public var exitFile: String
        public var cgroupsPath: String
        /// The shim's own stdout/stderr once configured.
        public var diagnosticsPath: String

        public init(runc: String, runcRoot: String, containerID: String, bundle: String, logPath: String, pidFile: String,
                    runcLog: String, exitFile: String, cgroupsPath: String, diagnosticsPath: String) {
            self.runc = runc
            self.runcRoot = runcRoot
            self.containerID = containerID
            self.bundle = bundle
            self.logPath = logPath
            self.pidFile = pidFile
            self.runcLog = runcLog
            self.exitFile = exitFile
            self.cgroupsPath = cgroupsPath
            self.diagnosticsPath = diagnosticsPath
        }
    }

    /// The shim's end of the control socket pair.
    public static let controlDescriptor: Int32 = Shim.controlDescriptor

    private let control: Int32

    public init(controlDescriptor: Int32 = ContainerShim.controlDescriptor) {
        self.control = controlDescriptor
    }

    /// Runs the shim to completion (`tarmac runtime-shim`); returns the process exit code.
    public func run() -> Int32 {
        Shim(controlDescriptor: control).run()
    }
}

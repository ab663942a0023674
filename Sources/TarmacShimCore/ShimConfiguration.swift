/// What the driver tells a shim about its container, in the `config <JSON>` line of the
/// start protocol. The driver encodes `ContainerShim.Configuration` (TarmacRuntime) with
/// Foundation; the member names here are that type's and must stay in step with it.
public struct ShimConfiguration: Sendable, Hashable {
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

    public struct InvalidError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Decodes the JSON object of a `config` line; every member is required.
    public init<Bytes: Collection>(json: Bytes) throws(InvalidError) where Bytes.Element == UInt8 {
        let members: [String: String]
        do {
            members = try FlatJSON.strings(json)
        } catch {
            throw InvalidError(description: error.description)
        }
        func member(_ key: String) throws(InvalidError) -> String {
            guard let value = members[key] else { throw InvalidError(description: "missing string member \"\(key)\"") }
            return value
        }
        runc = try member("runc")
        runcRoot = try member("runcRoot")
        containerID = try member("containerID")
        bundle = try member("bundle")
        logPath = try member("logPath")
        pidFile = try member("pidFile")
        runcLog = try member("runcLog")
        exitFile = try member("exitFile")
        cgroupsPath = try member("cgroupsPath")
        diagnosticsPath = try member("diagnosticsPath")
    }
}

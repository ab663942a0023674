/// The subset of the OCI runtime specification (config.json, version 1.0.2) Tarmac writes.
/// Field names follow the spec; optional fields left nil are omitted from the JSON.
public struct OCISpec: Sendable, Hashable, Codable {
    public var ociVersion: String = "1.0.2"
    public var process: Process
    public var root: Root
    public var hostname: String
    public var mounts: [Mount]
    public var linux: Linux

    public struct Process: Sendable, Hashable, Codable {
        public var terminal: Bool = false
        public var user: User
        public var args: [String]
        public var env: [String]
        public var cwd: String
        public var capabilities: Capabilities
        public var rlimits: [Rlimit]
        public var noNewPrivileges: Bool
    }

    public struct User: Sendable, Hashable, Codable {
        public var uid: UInt32
        public var gid: UInt32
        public var additionalGids: [UInt32]?
    }

    public struct Capabilities: Sendable, Hashable, Codable {
        public var bounding: [String]
        public var effective: [String]
        public var inheritable: [String]
        public var permitted: [String]
        public var ambient: [String]
    }

    public struct Rlimit: Sendable, Hashable, Codable {
        public var type: String
        public var hard: UInt64
        public var soft: UInt64
    }

    public struct Root: Sendable, Hashable, Codable {
        public var path: String
        public var readonly: Bool
    }

    public struct Mount: Sendable, Hashable, Codable {
        public var destination: String
        public var type: String
        public var source: String
        public var options: [String]
    }

    public struct Linux: Sendable, Hashable, Codable {
        public var cgroupsPath: String
        public var resources: Resources
        public var namespaces: [Namespace]
        public var maskedPaths: [String]
        public var readonlyPaths: [String]
    }

    public struct Resources: Sendable, Hashable, Codable {
        public var devices: [DeviceRule]
        public var memory: Memory?
        public var cpu: CPU?
    }

    public struct DeviceRule: Sendable, Hashable, Codable {
        public var allow: Bool
        public var access: String
    }

    public struct Memory: Sendable, Hashable, Codable {
        public var limit: Int64
        public var swap: Int64?
    }

    public struct CPU: Sendable, Hashable, Codable {
        public var quota: Int64
        public var period: UInt64
    }

    public struct Namespace: Sendable, Hashable, Codable {
        public var type: String
        public var path: String?
    }
}

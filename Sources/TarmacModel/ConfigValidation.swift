/// Checks a machine config and fills in the defaults the server adds, naming the first
/// offending field (`config.guest.memory_mb`) so the API can answer 422 with it.
public enum ConfigValidation {
    public struct Issue: Error, Sendable, Hashable, CustomStringConvertible {
        public var field: String
        public var message: String

        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }

        public var description: String { "\(field): \(message)" }
    }

    /// Returns the normalised config (guest/size resolved, defaults applied) or throws the first issue.
    public static func normalize(_ input: MachineConfig?) throws(Issue) -> MachineConfig {
        guard var config = input else { throw Issue(field: "config", message: "is required") }
        guard let image = config.image, !image.isEmpty else {
            throw Issue(field: "config.image", message: "is required")
        }
        do {
            _ = try ImageReference(parsing: image)
        } catch {
            throw Issue(field: "config.image", message: error.description)
        }
        var guest = config.guest ?? MachineConfig.GuestConfig()
        if let size = config.size, !size.isEmpty {
            guard let preset = GuestPresets.guest(forSize: size) else {
                throw Issue(field: "config.size", message: "unknown size \"\(size)\" (use shared-cpu-1x … shared-cpu-8x or performance-1x … performance-16x)")
            }
            if guest.cpus == nil { guest.cpus = preset.cpus }
            if guest.memoryMB == nil { guest.memoryMB = preset.memoryMB }
            if guest.cpuKind == nil { guest.cpuKind = preset.cpuKind }
        }
        let cpus = guest.cpus ?? 1
        guard cpus >= 1 else { throw Issue(field: "config.guest.cpus", message: "must be at least 1, got \(cpus)") }
        guard cpus <= 64 else { throw Issue(field: "config.guest.cpus", message: "must be at most 64, got \(cpus)") }
        let memory = guest.memoryMB ?? 256 * cpus
        guard memory >= 256, memory % 256 == 0 else {
            throw Issue(field: "config.guest.memory_mb", message: "must be a positive multiple of 256, got \(memory)")
        }
        let kind = guest.cpuKind ?? "shared"
        guard kind == "shared" || kind == "performance" else {
            throw Issue(field: "config.guest.cpu_kind", message: "must be \"shared\" or \"performance\", got \"\(kind)\"")
        }
        guest.cpus = cpus
        guest.memoryMB = memory
        guest.cpuKind = kind
        config.guest = guest

        var restart = config.restart ?? MachineConfig.RestartConfig()
        let policy = restart.policy ?? RestartPolicy.onFailure.rawValue
        guard RestartPolicy(rawValue: policy) != nil else {
            throw Issue(field: "config.restart.policy", message: "unknown restart policy \"\(policy)\" (use \"no\", \"always\" or \"on-failure\")")
        }
        restart.policy = policy
        if let retries = restart.maxRetries, retries < 0 {
            throw Issue(field: "config.restart.max_retries", message: "must not be negative, got \(retries)")
        }
        config.restart = restart

        if let timeout = config.stopConfig?.timeout {
            guard timeout.nanoseconds >= 0, timeout.nanoseconds <= MachineConfig.maximumStopTimeout.nanoseconds else {
                throw Issue(field: "config.stop_config.timeout", message: "must be between 0s and 5m0s, got \(timeout)")
            }
        }
        if let env = config.env {
            for key in env.keys where !isValidEnvName(key) {
                throw Issue(field: "config.env", message: "invalid variable name \"\(key)\"")
            }
        }
        for (field, value) in [("config.init.exec", config.`init`?.exec), ("config.init.entrypoint", config.`init`?.entrypoint)] {
            if let value, value.isEmpty {
                throw Issue(field: field, message: "must not be empty when given")
            }
        }
        try validate(services: config.services)
        try validate(checks: config.checks, services: config.services)
        try validate(mounts: config.mounts)
        try validate(hooks: config.hooks)
        return config
    }

    public static func validateName(_ name: String?) throws(Issue) {
        guard let name else { return }
        guard Identifiers.isValidName(name) else {
            throw Issue(field: "name", message: "invalid machine name \"\(name)\": use 1-63 lowercase letters, digits and dashes, not starting or ending with a dash")
        }
    }

    static func isValidEnvName(_ key: String) -> Bool {
        guard let first = key.first, !first.isNumber else { return false }
        return key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-") }
    }
}

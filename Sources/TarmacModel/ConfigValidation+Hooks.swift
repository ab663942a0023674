/// Checks of `hooks` (Tarmac extension), naming the field as the client wrote it:
/// `config.hooks.pre_stop[0].exec`.
extension ConfigValidation {
    public static func validate(hooks: MachineHooks?) throws(Issue) {
        guard let hooks else { return }
        for point in [MachineHooks.Point.postStart, .preStop] {
            for (index, hook) in hooks.hooks(at: point).enumerated() {
                let field = "config.hooks.\(point.rawValue)[\(index)]"
                guard let exec = hook.exec, !exec.isEmpty, !exec[0].isEmpty else {
                    throw Issue(field: field + ".exec", message: "is required: the command to run, as a list such as [\"/bin/sh\", \"-c\", \"…\"]")
                }
                if let timeout = hook.timeout, timeout.nanoseconds <= 0 || timeout.nanoseconds > MachineHook.maximumTimeout.nanoseconds {
                    throw Issue(field: field + ".timeout", message: "must be more than 0s and at most \(MachineHook.maximumTimeout), got \(timeout)")
                }
            }
        }
    }
}

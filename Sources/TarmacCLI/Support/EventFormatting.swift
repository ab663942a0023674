import TarmacModel

/// Table rows and one-line details of machine events.
enum EventFormatting {
    /// A short description of an event's `request`: exit details for `exit` events,
    /// otherwise selected well-known fields.
    static func detail(_ event: MachineEvent) -> String {
        guard let request = event.request else { return "" }
        var parts: [String] = []
        let exit = request["exit_event"] ?? request["MonitorEvent"]?["exit_event"]
        if let exit {
            if let code = number(exit["exit_code"]) { parts.append("exit_code=\(code)") }
            if let signal = number(exit["signal"]), signal > 0 {
                let name = MachineSignal(number: Int32(signal)).name
                parts.append("signal=\(name)")
            }
            if case .bool(true) = exit["oom_killed"] { parts.append("oom_killed") }
            if case .bool(true) = exit["requested_stop"] { parts.append("requested_stop") }
            if case .bool(true) = exit["restarting"] { parts.append("restarting") }
            if let error = exit["error"]?.stringValue, !error.isEmpty { parts.append("error=\"\(error)\"") }
        }
        if let total = number(request["layers_total"]), let done = number(request["layers_done"]) {
            // Image pull progress (`launch`/`pulling`, `launch`/`pulled`).
            if let image = request["image"]?.stringValue { parts.append("image=\(image)") }
            parts.append("layers=\(done)/\(total)")
            if let completed = number(request["bytes_completed"]), let bytes = number(request["bytes_total"]) {
                parts.append("\(megabytes(completed))/\(megabytes(bytes))")
            }
            if let percent = number(request["percent"]) { parts.append("\(percent)%") }
        }
        if let count = number(request["restart_count"]), count > 0 { parts.append("restart_count=\(count)") }
        // Health checks (`check`, `restart`/`unhealthy`), lifecycle hooks (`hook`), webhooks.
        if let check = request["check"]?.stringValue { parts.append("check=\(check)") }
        if let hook = request["hook"]?.stringValue {
            parts.append("hook=\(hook)[\(number(request["index"]) ?? 0)]")
            if let code = number(request["exit_code"]) { parts.append("exit_code=\(code)") }
            if let milliseconds = number(request["duration_ms"]) { parts.append("\(milliseconds)ms") }
        }
        if let webhook = request["webhook_id"]?.stringValue { parts.append("webhook=\(webhook)") }
        if let output = request["output"]?.stringValue, !output.isEmpty { parts.append("output=\"\(output)\"") }
        for key in ["error", "message", "reason"] {
            if let text = request[key]?.stringValue, !text.isEmpty { parts.append("\(key)=\"\(text)\"") }
        }
        return parts.joined(separator: " ")
    }

    /// The exit code of an `exit` event, when it carries one.
    static func exitCode(_ event: MachineEvent) -> Int? {
        let exit = event.request?["exit_event"] ?? event.request?["MonitorEvent"]?["exit_event"]
        return number(exit?["exit_code"])
    }

    /// `12.3MB` (decimal megabytes, one digit).
    static func megabytes(_ bytes: Int) -> String {
        "\(bytes / 1_000_000).\(bytes / 100_000 % 10)MB"
    }

    static func number(_ value: JSONValue?) -> Int? {
        if case .number(let number)? = value, number.isFinite { return Int(number) }
        return nil
    }

    static let headers = ["TIME", "TYPE", "STATUS", "SOURCE", "DETAILS"]

    static func row(_ event: MachineEvent) -> [String] {
        [TimeFormatting.eventTime(event.timestamp), event.type, event.status, event.source, detail(event)]
    }
}

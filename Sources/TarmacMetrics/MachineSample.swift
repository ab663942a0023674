/// One machine as `/metrics` shows it: its state and, while it runs, what it uses.
public struct MachineSample: Sendable, Hashable {
    public var machineID: String
    public var app: String
    public var state: String
    public var runtime: String
    public var cpuSeconds: Double?
    public var memoryBytes: Int64?

    public init(machineID: String, app: String, state: String, runtime: String, cpuSeconds: Double? = nil, memoryBytes: Int64? = nil) {
        self.machineID = machineID
        self.app = app
        self.state = state
        self.runtime = runtime
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
    }

    /// `tarmac_machines{state}` (every state listed, zeros included, so a series never
    /// vanishes), then per running machine `tarmac_machine_cpu_seconds_total` and
    /// `tarmac_machine_memory_bytes`, labelled with machine_id, app and runtime.
    public static func render(_ samples: [MachineSample], states: [String]) -> String {
        var counts: [String: Int] = Dictionary(uniqueKeysWithValues: states.map { ($0, 0) })
        for sample in samples { counts[sample.state, default: 0] += 1 }
        var out = "# HELP tarmac_machines Machines on this host by state.\n# TYPE tarmac_machines gauge\n"
        for state in counts.keys.sorted() { out += "tarmac_machines{state=\"\(PrometheusText.escape(state))\"} \(counts[state] ?? 0)\n" }
        let running = samples.filter { $0.cpuSeconds != nil || $0.memoryBytes != nil }.sorted { $0.machineID < $1.machineID }
        guard !running.isEmpty else { return out }
        out += "# HELP tarmac_machine_cpu_seconds_total CPU time used by the machine's running instance.\n# TYPE tarmac_machine_cpu_seconds_total counter\n"
        for sample in running {
            if let cpu = sample.cpuSeconds { out += "tarmac_machine_cpu_seconds_total{\(labels(sample))} \(cpu)\n" }
        }
        out += "# HELP tarmac_machine_memory_bytes Memory the machine's running instance uses.\n# TYPE tarmac_machine_memory_bytes gauge\n"
        for sample in running {
            if let memory = sample.memoryBytes { out += "tarmac_machine_memory_bytes{\(labels(sample))} \(memory)\n" }
        }
        return out
    }

    static func labels(_ sample: MachineSample) -> String {
        "machine_id=\"\(PrometheusText.escape(sample.machineID))\",app=\"\(PrometheusText.escape(sample.app))\",runtime=\"\(PrometheusText.escape(sample.runtime))\""
    }
}

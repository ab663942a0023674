import TarmacModel

/// What a live machine holds of its host, for placement: its memory and, for `performance`
/// CPUs, its cores (shared CPUs are time-sliced and not reserved one to one).
public struct MachineReservation: Sendable, Hashable {
    public var machineID: String
    public var hostID: String
    public var appName: String
    public var memoryMB: Int
    public var dedicatedCPUs: Int

    public init(machineID: String, hostID: String, appName: String, memoryMB: Int, dedicatedCPUs: Int) {
        self.machineID = machineID
        self.hostID = hostID
        self.appName = appName
        self.memoryMB = memoryMB
        self.dedicatedCPUs = dedicatedCPUs
    }

    public init(_ record: MachineRecord) {
        self.init(
            machineID: record.id, hostID: record.hostID, appName: record.appName, memoryMB: record.config.memoryMB,
            dedicatedCPUs: record.config.guest?.cpuKind == "performance" ? record.config.cpus : 0)
    }
}

import TarmacModel

/// What a read of one machine of an app found, in one transaction: the app missing, the
/// machine missing (or of another app), or the machine with its latest events.
public enum MachineLookup: Sendable {
    case appNotFound
    case machineNotFound
    case found(MachineRecord, events: [MachineEvent])
}

import Foundation
import TarmacAgentProtocol
import TarmacModel
import TarmacStore

extension Control {
    public func startMachine(app: String, id: String, nonce: String?) async throws -> StartResponse {
        let record = try await mutableRecord(app: app, id: id, nonce: nonce)
        try await run(.start, on: record)
        return StartResponse(previousState: record.state.rawValue)
    }

    public func stopMachine(app: String, id: String, request: StopRequest, nonce: String?) async throws {
        if let timeout = request.timeout, timeout.nanoseconds < 0 || timeout.nanoseconds > MachineConfig.maximumStopTimeout.nanoseconds {
            throw ControlError(.badRequest, "timeout: must be between 0s and 5m0s, got \(timeout)")
        }
        let record = try await mutableRecord(app: app, id: id, nonce: nonce)
        try await run(.stop(signal: request.signal, timeout: request.timeout), on: record)
    }

    public func restartMachine(app: String, id: String, signal: MachineSignal?, timeout: GoDuration?, nonce: String?) async throws {
        let record = try await mutableRecord(app: app, id: id, nonce: nonce)
        try await run(.restart(signal: signal, timeout: timeout), on: record)
    }

    public func suspendMachine(app: String, id: String, nonce: String?) async throws {
        let record = try await mutableRecord(app: app, id: id, nonce: nonce)
        try await run(.suspend, on: record)
    }

    public func signalMachine(app: String, id: String, signal: MachineSignal, nonce: String?) async throws {
        let record = try await mutableRecord(app: app, id: id, nonce: nonce)
        try await run(.signal(signal), on: record)
    }

    public func setCordoned(app: String, id: String, cordoned: Bool, nonce: String?) async throws {
        _ = try await mutableRecord(app: app, id: id, nonce: nonce)
        let now = Date()
        try await store.modifyMachine(id: id, newVersion: false, events: []) { machine in
            machine.cordoned = cordoned
            machine.updatedAt = now
        }
    }

    private func run(_ command: AgentCommand, on record: MachineRecord) async throws {
        do {
            _ = try await host(id: record.hostID).api.command(record.id, command)
        } catch {
            throw Self.mapAgentError(error)
        }
    }

    // MARK: wait

    /// States `wait` accepts; `settled` means any non-transient state.
    public static let waitableStates: Set<String> = ["started", "stopped", "suspended", "destroyed", "failed", "settled", "created"]

    /// Long-polls until the machine (at `version`, when given) is in one of `states`.
    public func waitForMachine(app: String, id: String, states: [String], timeout: Duration, version: String?) async throws -> WaitResponse {
        _ = try await machineRecord(app: app, id: id)
        let wanted = Set(states.isEmpty ? ["started"] : states)
        let store = self.store
        let result = try await waits.wait(machineID: id, timeout: timeout) { () async throws -> WaitResponse? in
            guard let record = try await store.machine(id: id) else {
                return wanted.contains("destroyed") ? WaitResponse(state: "destroyed", version: version ?? "", eventID: nil) : nil
            }
            let state = record.state
            let reached = wanted.contains(state.rawValue) || (wanted.contains("settled") && state.isSettled)
            if let version, !version.isEmpty, version != record.instanceID {
                // The asked-for instance was replaced: it is as stopped (or gone) as it will ever be.
                guard wanted.contains("stopped") || wanted.contains("destroyed") else { return nil }
                return WaitResponse(state: wanted.contains("stopped") ? "stopped" : "destroyed", version: version, eventID: nil)
            }
            guard reached else { return nil }
            let event = try await store.events(machineID: id, limit: 1).first
            return WaitResponse(state: state.rawValue, version: record.instanceID, eventID: event?.id)
        }
        guard let result else {
            let current = try await store.machine(id: id)?.state.rawValue ?? "destroyed"
            throw ControlError(.timeout, "machine failed to reach desired state, \(wanted.sorted().joined(separator: ", ")), currently \(current)")
        }
        return result
    }

    // MARK: events and versions

    public func events(app: String, id: String, limit: Int) async throws -> [MachineEvent] {
        _ = try await machineRecord(app: app, id: id)
        return try await store.events(machineID: id, limit: limit)
    }

    public func versions(app: String, id: String) async throws -> [MachineVersion] {
        _ = try await machineRecord(app: app, id: id)
        return try await store.versions(machineID: id)
    }
}

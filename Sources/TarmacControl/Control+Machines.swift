import Foundation
import Logging
import TarmacAgentProtocol
import TarmacModel
import TarmacStore

extension Control {
    public static let eventsInView = 10

    public func listMachines(app: String, filter: MachineFilter) async throws -> [Machine] {
        _ = try await appRecord(app)
        var result: [Machine] = []
        for record in try await store.machines(appName: app, includeDeleted: filter.includeDeleted) where filter.matches(record) {
            result.append(try await view(record, summary: filter.summary, includeLease: filter.includeLeases))
        }
        return result
    }

    public func listOrgMachines(org: String, filter: MachineFilter) async throws -> [Machine] {
        guard try await store.org(slug: org) != nil else { throw ControlError(.notFound, "organization \"\(org)\" not found") }
        var result: [Machine] = []
        for record in try await store.machines(orgSlug: org, includeDeleted: filter.includeDeleted) where filter.matches(record) {
            var machine = try await view(record, summary: true, includeLease: false)
            var config = MachineConfig(image: record.config.image)
            config.guest = record.config.guest
            config.metadata = record.config.metadata
            machine.config = config
            machine.appName = record.appName
            result.append(machine)
        }
        return result
    }

    public func machine(app: String, id: String, includeLease: Bool = false) async throws -> Machine {
        switch try await store.machine(app: app, id: id, eventLimit: Self.eventsInView) {
        case .appNotFound: throw ControlError.appNotFound()
        case .machineNotFound: throw ControlError.machineNotFound()
        case .found(let record, let events): return view(record, events: events, includeLease: includeLease)
        }
    }

    func machineRecord(app: String, id: String) async throws -> MachineRecord {
        _ = try await appRecord(app)
        guard let record = try await store.machine(id: id), record.appName == app else { throw ControlError.machineNotFound() }
        return record
    }

    /// Loads a machine for a mutation, enforcing its lease.
    func mutableRecord(app: String, id: String, nonce: String?) async throws -> MachineRecord {
        let record = try await machineRecord(app: app, id: id)
        if record.destroyedAt != nil || record.destroyRequestedAt != nil { throw ControlError.machineNotFound() }
        if case .held(let owner, let expiresAt) = LeaseRules.mayMutate(lease: record.lease, nonce: nonce, now: Date()) {
            throw ControlError(.conflict, "aborted: machine ID \(id) lease currently held by \(owner), expires at \(Timestamps.rfc3339(expiresAt))")
        }
        return record
    }

    public func createMachine(app: String, request: CreateMachineRequest) async throws -> Machine {
        _ = try await appRecord(app)
        let config = try Self.validated(request)
        if let ttl = request.leaseTTL, ttl < 1 || ttl > 86_400 {
            throw ControlError(.unprocessable, "lease_ttl: must be between 1 and 86400 seconds, got \(ttl)")
        }
        let machineID = Identifiers.machineID()
        let host = try place(machineID: machineID, app: app, region: request.region, config: config)
        let imageRef: ImageRef
        do {
            imageRef = try await resolveImage(config.image ?? "", on: host)
        } catch {
            registry.release(machineID: machineID)
            throw error
        }
        let now = Date()
        var record = MachineRecord(
            id: machineID, appName: app, name: request.name ?? Identifiers.machineName(), region: host.region,
            hostID: host.id, instanceID: ULID.make(date: now), state: .created, privateIP: "", config: config,
            imageRef: imageRef, createdAt: now, runtime: host.runtime)
        if let ttl = request.leaseTTL {
            record.lease = LeaseRecord(nonce: Identifiers.leaseNonce(), owner: "admin", description: "", expiresAt: now.addingTimeInterval(Double(ttl)))
        }
        if request.skipServiceRegistration == true { record.cordoned = true }
        record.desiredLaunch = request.skipLaunch != true
        let launchEvent = MachineEvent(id: ULID.make(date: now), type: "launch", status: "created", source: "user", timestamp: Timestamps.unixMillis(now))
        // The desired machine is durable before any agent hears of it: from here on it exists,
        // and reconciliation delivers it if the call below does not.
        do {
            try await store.insertMachine(record, events: [launchEvent])
        } catch let error as StoreError where error.code == .conflict {
            registry.release(machineID: machineID)
            throw ControlError(.conflict, error.message, status: "name_taken")
        } catch {
            registry.release(machineID: machineID)
            throw error
        }
        try await faults.reach(.afterDesiredWrite)
        do {
            let status = try await host.api.apply(spec(for: record), launch: request.skipLaunch != true)
            record = try await recordApplied(record.id, version: record.instanceID, privateIP: status.privateIP)
        } catch let error as AgentError where Self.isDefinitiveRefusal(error) {
            // The agent answered that it will not run this machine: it never accepted it, so
            // nothing runs and the record can go.
            try await store.purgeMachine(id: record.id)
            registry.release(machineID: record.id)
            throw Self.mapAgentError(error)
        } catch {
            // The reply was lost or the agent is away: it may have accepted the machine. The
            // create stands (it is durable); reconciliation delivers or confirms it.
            logger.warning("machine recorded, delivery to its host pending", metadata: ["machine_id": "\(record.id)", "error": "\(error)"])
            requestReconcile(hostID: host.id)
        }
        var machine = try await view(record, summary: false, includeLease: false)
        machine.state = MachineState.created.rawValue
        machine.nonce = record.lease?.nonce
        return machine
    }

    public func updateMachine(app: String, id: String, request: CreateMachineRequest, nonce: String?) async throws -> Machine {
        let current = try await mutableRecord(app: app, id: id, nonce: nonce)
        if let expected = request.currentVersion, !expected.isEmpty, expected != current.instanceID {
            throw ControlError(.conflict, "machine \(id) is at version \(current.instanceID), not \(expected) (current_version mismatch)")
        }
        if let name = request.name, !name.isEmpty, name != current.name {
            throw ControlError(.badRequest, "name is immutable: machine \(id) is named \"\(current.name)\"")
        }
        if let region = request.region, !region.isEmpty, region != current.region {
            throw ControlError(.badRequest, "region is immutable: machine \(id) is in \"\(current.region)\"")
        }
        let config = try Self.validated(request)
        let host = try host(id: current.hostID)
        let imageRef = try await resolveImage(config.image ?? "", on: host)
        let now = Date()
        let instanceID = ULID.make(date: now)
        let event = MachineEvent(id: ULID.make(date: now), type: "update", status: "replacing", source: "user", timestamp: Timestamps.unixMillis(now))
        let previous = (current.config, current.instanceID, current.imageRef, current.desiredLaunch)
        let launch = request.skipLaunch != true
        // The new desired version is durable first; reconciliation delivers it if the call
        // below does not.
        let record = try await store.modifyMachine(id: id, newVersion: true, events: [event]) { machine in
            machine.config = config
            machine.imageRef = imageRef
            machine.instanceID = instanceID
            machine.desiredLaunch = launch
            machine.updatedAt = now
        }
        registry.reserve(MachineReservation(record))
        try await faults.reach(.afterDesiredWrite)
        do {
            _ = try await host.api.apply(spec(for: record), launch: launch)
            try await recordApplied(id, version: instanceID, privateIP: nil)
        } catch let error as AgentError where Self.isDefinitiveRefusal(error) {
            // The host refused the new version (it never took it): put the previous one back.
            try await store.modifyMachine(id: id, newVersion: false, events: []) { machine in
                (machine.config, machine.instanceID, machine.imageRef, machine.desiredLaunch) = previous
            }
            try await store.discardVersion(machineID: id, version: instanceID, eventID: event.id)
            throw Self.mapAgentError(error)
        } catch {
            logger.warning("machine update recorded, delivery to its host pending", metadata: ["machine_id": "\(id)", "error": "\(error)"])
            requestReconcile(hostID: host.id)
        }
        waits.notify(machineID: id)
        return try await view(record, summary: false, includeLease: false)
    }

    public func destroyMachine(app: String, id: String, force: Bool, nonce: String?) async throws {
        let record = try await mutableRecord(app: app, id: id, nonce: nonce)
        let settled: Set<MachineState> = [.created, .stopped, .suspended, .failed]
        if !force, !settled.contains(record.state) {
            throw ControlError(.preconditionFailed, "failed_precondition: machine \(id) is \(record.state.rawValue); stop it first or destroy it with force=true")
        }
        try await destroyOnHost(record, force: force)
    }

    /// Records the destroy request (the tombstone reconciliation finishes it with), then asks
    /// the host. A refusal takes the request back; a lost reply leaves it to reconciliation.
    func destroyOnHost(_ record: MachineRecord, force: Bool) async throws {
        let now = Date()
        let previousState = record.state
        try await store.modifyMachine(id: record.id, newVersion: false, events: []) { machine in
            if machine.destroyRequestedAt == nil { machine.destroyRequestedAt = now }
            machine.destroyForced = force
            if machine.destroyedAt == nil { machine.state = .destroying }
        }
        try await faults.reach(.afterDesiredWrite)
        do {
            _ = try await host(id: record.hostID).api.command(record.id, .destroy(force: force))
        } catch let error as AgentError where error.kind == .notFound {
            // The host no longer knows it: nothing runs, record the destruction directly.
            try await markDestroyed(record.id)
        } catch let error as AgentError where Self.isDefinitiveRefusal(error) {
            try await store.modifyMachine(id: record.id, newVersion: false, events: []) { machine in
                machine.destroyRequestedAt = nil
                machine.destroyForced = nil
                if machine.state == .destroying { machine.state = previousState }
            }
            throw Self.mapAgentError(error)
        } catch {
            logger.warning("destroy recorded, delivery to its host pending", metadata: ["machine_id": "\(record.id)", "error": "\(error)"])
            requestReconcile(hostID: record.hostID)
        }
        waits.notify(machineID: record.id)
    }

    /// An answer from the agent that it did not (and will not) take the change, as opposed to
    /// a lost reply or an unreachable agent, after which it may have.
    static func isDefinitiveRefusal(_ error: AgentError) -> Bool {
        switch error.kind {
        case .notFound, .imageNotFound, .invalidState, .invalidArgument, .unsupported: true
        case .unavailable, .internalError: false
        }
    }

    /// Records a machine as destroyed without asking its host (it is gone there already).
    func markDestroyed(_ id: String) async throws {
        let now = Date()
        try await store.modifyMachine(id: id, newVersion: false, events: []) { machine in
            machine.state = .destroyed
            if machine.destroyedAt == nil { machine.destroyedAt = now }
        }
        registry.release(machineID: id)
        waits.notify(machineID: id)
    }

    static func validated(_ request: CreateMachineRequest) throws -> MachineConfig {
        do {
            try ConfigValidation.validateName(request.name)
            return try ConfigValidation.normalize(request.config)
        } catch {
            throw ControlError(.unprocessable, error.description)
        }
    }

    func resolveImage(_ reference: String, on host: Host) async throws -> ImageRef {
        do {
            return try await host.api.resolveImage(reference)
        } catch let error as AgentError where error.kind == .imageNotFound || error.kind == .invalidArgument {
            throw ControlError(.unprocessable, "config.image: \(error.message)")
        } catch {
            throw Self.mapAgentError(error)
        }
    }

    func spec(for record: MachineRecord) -> AgentMachineSpec {
        AgentMachineSpec(
            machineID: record.id, appName: record.appName, name: record.name, region: record.region,
            instanceID: record.instanceID, config: record.config, imageRef: record.imageRef)
    }

    static func mapAgentError(_ error: any Error) -> any Error {
        guard let agentError = error as? AgentError else { return error }
        return switch agentError.kind {
        case .notFound: ControlError.machineNotFound()
        case .imageNotFound, .invalidArgument: ControlError(.unprocessable, agentError.message)
        case .invalidState: ControlError(.preconditionFailed, "failed_precondition: \(agentError.message)")
        case .unsupported: ControlError(.unprocessable, agentError.message)
        case .unavailable: ControlError(.unavailable, agentError.message)
        case .internalError: ControlError(.internalError, agentError.message)
        }
    }

    func view(_ record: MachineRecord, summary: Bool, includeLease: Bool) async throws -> Machine {
        let events = summary ? nil : try await store.events(machineID: record.id, limit: Self.eventsInView)
        return view(record, events: events, includeLease: includeLease)
    }

    /// The API shape of a record; `events` nil for the summary of a list (no config either).
    func view(_ record: MachineRecord, events: [MachineEvent]?, includeLease: Bool) -> Machine {
        let summary = events == nil
        var machine = Machine(
            id: record.id, name: record.name, state: record.state.rawValue, region: record.region, instanceID: record.instanceID,
            privateIP: record.privateIP, config: summary ? nil : record.config, imageRef: record.imageRef,
            createdAt: Timestamps.rfc3339(record.createdAt), updatedAt: Timestamps.rfc3339(record.updatedAt),
            events: events, hostStatus: hostStatus(record.hostID), cordoned: record.cordoned, runtime: record.runtime)
        if !summary { machine.checks = record.checks }
        if includeLease, let lease = record.lease, lease.isActive(at: Date()) {
            machine.lease = .init(description: lease.description, expiresAt: Int64(lease.expiresAt.timeIntervalSince1970), owner: lease.owner, nonce: lease.nonce)
        }
        return machine
    }
}

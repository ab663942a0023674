import TarmacModel

extension TarmacClient {
    public func listMachines(app: String, options: MachineListOptions = .init()) async throws -> [Machine] {
        try await send(.listMachines(app: app, options: options), as: [Machine].self)
    }

    /// Creates a machine; it is answered in state `created` and boots unless `skip_launch` is set.
    public func createMachine(app: String, _ request: CreateMachineRequest) async throws -> Machine {
        try await send(.createMachine(app: app, request), as: Machine.self)
    }

    public func getMachine(app: String, id: String) async throws -> Machine {
        try await send(.getMachine(app: app, id: id), as: Machine.self)
    }

    /// Replaces a machine's config (set `request.currentVersion` to guard against races).
    public func updateMachine(app: String, id: String, _ request: CreateMachineRequest, nonce: String? = nil) async throws -> Machine {
        try await send(.updateMachine(app: app, id: id, request, nonce: nonce), as: Machine.self)
    }

    /// Destroys a machine; without `force` only stopped or suspended machines can be destroyed.
    public func destroyMachine(app: String, id: String, force: Bool = false, nonce: String? = nil) async throws {
        _ = try await send(.destroyMachine(app: app, id: id, force: force, nonce: nonce))
    }

    /// Lists events of one machine, newest first.
    public func listEvents(app: String, id: String, limit: Int? = nil) async throws -> [MachineEvent] {
        try await send(.listEvents(app: app, id: id, limit: limit), as: [MachineEvent].self)
    }

    public func listVersions(app: String, id: String) async throws -> [MachineVersion] {
        try await send(.listVersions(app: app, id: id), as: [MachineVersion].self)
    }

    /// One page of an organisation's machines across apps.
    public func listOrgMachines(orgSlug: String = "personal", options: OrgMachineListOptions = .init()) async throws -> OrgMachineList {
        try await send(.listOrgMachines(orgSlug: orgSlug, options: options), as: OrgMachineList.self)
    }

    /// The server's OpenAPI document, as raw JSON.
    public func openAPIDocument() async throws -> APIResponse {
        try await send(.openAPIDocument())
    }
}

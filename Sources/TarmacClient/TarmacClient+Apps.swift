import TarmacModel

extension TarmacClient {
    /// Apps of an organisation (`personal` by default).
    public func listApps(orgSlug: String = "personal") async throws -> AppList {
        try await send(.listApps(orgSlug: orgSlug), as: AppList.self)
    }

    public func createApp(name: String, orgSlug: String = "personal") async throws -> App {
        try await send(.createApp(name: name, orgSlug: orgSlug), as: App.self)
    }

    public func getApp(_ name: String) async throws -> App {
        try await send(.getApp(name), as: App.self)
    }

    /// Deletes an app; with `force` the server stops and destroys its machines first.
    public func deleteApp(_ name: String, force: Bool = false) async throws {
        _ = try await send(.deleteApp(name, force: force))
    }
}

import Foundation
import TarmacModel
import Testing
import TarmacStore

/// A SQLite store in a fresh temporary directory, removed afterwards.
struct StoreFixture {
    let directory: URL
    var path: String { directory.appendingPathComponent("control.sqlite").path }

    static func with<T>(_ body: (StoreFixture, SQLiteControlStore) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fixture = StoreFixture(directory: directory)
        let store = try SQLiteControlStore(path: fixture.path)
        return try await body(fixture, store)
    }

    static let personal = OrgRecord(slug: "personal", name: "Personal", internalNumericID: 1)
    static let imageRef = ImageRef(registry: "docker.io", repository: "library/nginx", tag: "latest", digest: "sha256:feed", labels: [:])
    static let created = Date(timeIntervalSince1970: 1_700_000_000)

    static func app(_ name: String, org: String = "personal") -> AppRecord {
        AppRecord(id: Identifiers.appID(), name: name, orgSlug: org, network: "default", internalNumericID: 1234, createdAt: created)
    }

    static func machine(id: String = Identifiers.machineID(), app: String = "web", name: String, host: String = "host-1", state: MachineState = .created) -> MachineRecord {
        var config = MachineConfig(image: "nginx")
        config.metadata = ["fly_process_group": "app"]
        return MachineRecord(
            id: id, appName: app, name: name, region: "local", hostID: host, instanceID: ULID.make(), state: state,
            privateIP: "172.30.0.2", config: config, imageRef: imageRef, createdAt: created, runtime: "container")
    }

    static func event(_ type: String, status: String = "created", millis: Int64 = 1_700_000_000_000) -> MachineEvent {
        MachineEvent(id: ULID.make(), type: type, status: status, source: "user", timestamp: millis)
    }

    static func change(_ machine: MachineRecord, state: MachineState, instanceID: String? = nil, event: MachineEvent? = nil, restartCount: Int = 0) -> MachineStateChange {
        MachineStateChange(
            machineID: machine.id, instanceID: instanceID ?? machine.instanceID, state: state, privateIP: "172.30.0.9",
            restartCount: restartCount, runtime: "container", event: event)
    }

    /// A store with the personal org and the app `web`.
    static func withApp<T>(_ body: (StoreFixture, SQLiteControlStore) async throws -> T) async throws -> T {
        try await with { fixture, store in
            try await store.ensureOrg(personal)
            try await store.insertApp(app("web"))
            return try await body(fixture, store)
        }
    }

    static func conflict(_ body: () async throws -> Void) async -> StoreError? {
        do {
            try await body()
            return nil
        } catch let error as StoreError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }
}

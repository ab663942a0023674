import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TarmacAgentProtocol
import TarmacModel

@Suite("API: auth, request ids and apps")
struct AuthAndAppsTests {
    typealias API = APIHarness

    @Test("no token: 401 with the Fly error text")
    func noToken() async throws {
        try await API.with { api in
            let response = try await api.request(.get, "/v1/apps", authorization: nil)
            #expect(response.status == .unauthorized)
            #expect(try response.errorText() == "Authenticate: token validation error")
            #expect(response.requestID != nil)
        }
    }

    @Test("wrong tokens and schemes: 401", arguments: ["Bearer nope", "FlyV1 fm2_abc,fm1r_def", "Basic \(APIHarness.token)", APIHarness.token, "Bearer", "Bearer \(APIHarness.token)x", ""])
    func wrongToken(header: String) async throws {
        try await API.with { api in
            let response = try await api.request(.get, "/v1/apps", authorization: header)
            #expect(response.status == .unauthorized)
            #expect(try response.errorText() == "Authenticate: token validation error")
        }
    }

    @Test("accepted: Bearer, FlyV1 with several comma-joined tokens, any case of the scheme", arguments: [
        "Bearer \(APIHarness.token)", "FlyV1 a,\(APIHarness.token)", "FlyV1 \(APIHarness.token)", "FlyV1 fm2_x, \(APIHarness.token)", "bearer \(APIHarness.token)",
    ])
    func accepted(header: String) async throws {
        try await API.with { api in
            let response = try await api.request(.get, "/v1/apps", authorization: header)
            #expect(response.status == .ok)
        }
    }

    @Test("the OpenAPI document and the health probe need no token")
    func publicPaths() async throws {
        try await API.with { api in
            let openapi = try await api.request(.get, "/v1/openapi.json", authorization: nil)
            #expect(openapi.status == .ok)
            #expect(try openapi.object()["paths"] != nil)
            let health = try await api.request(.get, "/tarmac/v1/health", authorization: nil)
            #expect(health.status == .ok)
        }
    }

    @Test("every response carries a fly-request-id")
    func requestIDs() async throws {
        try await API.with { api in
            let ok = try await api.request(.get, "/v1/apps")
            let missing = try await api.request(.get, "/v1/apps/nope")
            let first = try #require(ok.requestID)
            let second = try #require(missing.requestID)
            #expect(first != second)
            #expect(ULID.isValid(String(first.prefix(26))))
        }
    }

    @Test("create app: 201 with the full App object")
    func createApp() async throws {
        try await API.with { api in
            let response = try await api.request(.post, "/v1/apps", json: #"{"name":"web","org_slug":"personal","network":"","enable_subdomains":false}"#)
            #expect(response.status == .created)
            let app = try response.decode(App.self)
            #expect(app.name == "web")
            #expect(app.id.count == 16)
            #expect(app.organization.slug == "personal")
            #expect(app.status == "pending")
            #expect(app.machineCount == 0)
            #expect(try await api.request(.get, "/v1/apps/web").decode(App.self).id == app.id)
        }
    }

    @Test("create app: the docs' app_name is accepted")
    func appNameAlias() async throws {
        try await API.with { api in
            let response = try await api.request(.post, "/v1/apps", json: #"{"app_name":"docs-app","org_slug":"personal"}"#)
            #expect(response.status == .created)
            #expect(try response.decode(App.self).name == "docs-app")
        }
    }

    @Test("create app: invalid or missing names are 400", arguments: [#"{"name":"Bad_Name"}"#, #"{"name":"-web"}"#, #"{}"#, #"{"name":""}"#])
    func invalidAppName(json: String) async throws {
        try await API.with { api in
            let response = try await api.request(.post, "/v1/apps", json: json)
            #expect(response.status == .badRequest)
            #expect(try await api.request(.get, "/v1/apps").decode(AppList.self).totalApps == 0)
        }
    }

    @Test("create app: a taken name is 422 name_taken")
    func duplicateApp() async throws {
        try await API.with { api in
            try await api.createApp("web")
            let response = try await api.request(.post, "/v1/apps", json: #"{"name":"web"}"#)
            #expect(response.status == .unprocessableContent)
            let body = try response.object()
            #expect(body["status"] as? String == "name_taken")
            #expect((body["error"] as? String)?.contains("taken") == true)
        }
    }

    @Test("create app in an unknown org: 404")
    func unknownOrg() async throws {
        try await API.with { api in
            let response = try await api.request(.post, "/v1/apps", json: #"{"name":"web","org_slug":"acme"}"#)
            #expect(response.status == .notFound)
        }
    }

    @Test("list and get apps; unknown app is 404 app not found")
    func listAndGet() async throws {
        try await API.with { api in
            try await api.createApp("web")
            try await api.createApp("api")
            let list = try await api.request(.get, "/v1/apps?org_slug=personal")
            #expect(list.status == .ok)
            let apps = try list.decode(AppList.self)
            #expect(apps.totalApps == 2)
            #expect(apps.apps.map(\.name) == ["api", "web"])
            let body = try list.object()
            #expect(body["total_apps"] as? Int == 2)
            // org_slug defaults to personal.
            #expect(try await api.request(.get, "/v1/apps").decode(AppList.self).totalApps == 2)
            #expect(try await api.request(.get, "/v1/apps?org_slug=acme").status == .notFound)
            let missing = try await api.request(.get, "/v1/apps/nope")
            #expect(missing.status == .notFound)
            #expect(try missing.errorText() == "app not found")
        }
    }

    @Test("app status and machine_count follow its machines")
    func appCounts() async throws {
        try await API.withApp { api in
            try await api.createMachine()
            let app = try await api.request(.get, "/v1/apps/web").decode(App.self)
            #expect(app.machineCount == 1)
            #expect(app.status == "deployed")
        }
    }

    @Test("delete app: 202; unknown app 404")
    func deleteApp() async throws {
        try await API.withApp { api in
            let response = try await api.request(.delete, "/v1/apps/web")
            #expect(response.status == .accepted)
            #expect(try await api.request(.get, "/v1/apps/web").status == .notFound)
            #expect(try await api.request(.delete, "/v1/apps/web").status == .notFound)
        }
    }

    @Test("delete app with machines needs force; force destroys them on the host")
    func deleteAppWithMachines() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let refused = try await api.request(.delete, "/v1/apps/web")
            #expect(refused.status == .conflict)
            #expect(try refused.errorText().contains("force"))
            #expect(try await api.request(.get, "/v1/apps/web").status == .ok)
            #expect(api.agent.commands.isEmpty)

            let forced = try await api.request(.delete, "/v1/apps/web?force=true")
            #expect(forced.status == .accepted)
            let commands = api.agent.commands
            #expect(commands.count == 1)
            #expect(commands.first?.machineID == machine.id)
            #expect(commands.first?.command == .destroy(force: true))
            #expect(try await api.request(.get, "/v1/apps/web").status == .notFound)
        }
    }

    @Test("a recreated app does not inherit the machines of a deleted app with the same name")
    func recreatedAppStartsEmpty() async throws {
        try await API.withApp { api in
            try await api.createMachine(#"{"name":"db","config":{"image":"web:v1"}}"#)
            #expect(try await api.request(.delete, "/v1/apps/web?force=true").status == .accepted)
            try await api.createApp("web")
            let machines = try await api.request(.get, "/v1/apps/web/machines").decode([Machine].self)
            #expect(machines.isEmpty)
            #expect(try await api.request(.get, "/v1/apps/web").decode(App.self).machineCount == 0)
            // And the old machine's name is free.
            #expect(try await api.request(.post, "/v1/apps/web/machines", json: #"{"name":"db","config":{"image":"web:v1"}}"#).status == .ok)
        }
    }
}

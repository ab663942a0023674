import Foundation
import TarmacClient
import TarmacModel
import Testing

@Suite struct APIRequestTests {
    let base = "http://127.0.0.1:4280"

    @Test func appsRoutes() throws {
        #expect(APIRequest.listApps().url(baseURL: base) == "http://127.0.0.1:4280/v1/apps?org_slug=personal")
        #expect(APIRequest.listApps(orgSlug: "acme").method == .get)
        let create = try APIRequest.createApp(name: "web", orgSlug: "acme")
        #expect(create.method == .post)
        #expect(create.path == "/v1/apps")
        let body = try JSONDecoder().decode([String: String].self, from: #require(create.body))
        #expect(body == ["name": "web", "org_slug": "acme"])
        #expect(APIRequest.getApp("web").path == "/v1/apps/web")
        #expect(APIRequest.deleteApp("web").url(baseURL: base) == "\(base)/v1/apps/web")
        #expect(APIRequest.deleteApp("web", force: true).url(baseURL: base) == "\(base)/v1/apps/web?force=true")
        #expect(APIRequest.deleteApp("web").method == .delete)
    }

    @Test(arguments: [
        (APIRequest.getMachine(app: "web", id: "abc"), "GET", "/v1/apps/web/machines/abc"),
        (APIRequest.startMachine(app: "web", id: "abc"), "POST", "/v1/apps/web/machines/abc/start"),
        (APIRequest.suspendMachine(app: "web", id: "abc"), "POST", "/v1/apps/web/machines/abc/suspend"),
        (APIRequest.cordonMachine(app: "web", id: "abc"), "POST", "/v1/apps/web/machines/abc/cordon"),
        (APIRequest.uncordonMachine(app: "web", id: "abc"), "POST", "/v1/apps/web/machines/abc/uncordon"),
        (APIRequest.restartMachine(app: "web", id: "abc"), "POST", "/v1/apps/web/machines/abc/restart"),
        (APIRequest.destroyMachine(app: "web", id: "abc"), "DELETE", "/v1/apps/web/machines/abc"),
        (APIRequest.getLease(app: "web", id: "abc"), "GET", "/v1/apps/web/machines/abc/lease"),
        (APIRequest.releaseLease(app: "web", id: "abc", nonce: "n"), "DELETE", "/v1/apps/web/machines/abc/lease"),
        (APIRequest.getMetadata(app: "web", id: "abc"), "GET", "/v1/apps/web/machines/abc/metadata"),
        (APIRequest.getMetadataValue(app: "web", id: "abc", key: "k"), "GET", "/v1/apps/web/machines/abc/metadata/k"),
        (APIRequest.deleteMetadataValue(app: "web", id: "abc", key: "k"), "DELETE", "/v1/apps/web/machines/abc/metadata/k"),
        (APIRequest.listEvents(app: "web", id: "abc"), "GET", "/v1/apps/web/machines/abc/events"),
        (APIRequest.listVersions(app: "web", id: "abc"), "GET", "/v1/apps/web/machines/abc/versions"),
        (APIRequest.listOrgMachines(orgSlug: "personal"), "GET", "/v1/orgs/personal/machines"),
        (APIRequest.openAPIDocument(), "GET", "/v1/openapi.json"),
    ])
    func machineRoutes(request: APIRequest, method: String, path: String) {
        #expect(request.method.rawValue == method)
        #expect(request.path == path)
        #expect(request.body == nil)
    }

    @Test func bodiesOfMachineCalls() throws {
        var config = MachineConfig(image: "nginx")
        config.env = ["A": "1"]
        let create = try APIRequest.createMachine(app: "web", CreateMachineRequest(name: "one", config: config, skipLaunch: true))
        #expect(create.path == "/v1/apps/web/machines")
        let created = try JSONDecoder().decode(CreateMachineRequest.self, from: #require(create.body))
        #expect(created.name == "one")
        #expect(created.skipLaunch == true)
        #expect(created.config?.env == ["A": "1"])
        let createJSON = String(decoding: try #require(create.body), as: UTF8.self)
        #expect(createJSON.contains("\"skip_launch\":true"))
        #expect(!createJSON.contains("region"), "nil fields are omitted")

        var update = CreateMachineRequest(config: config)
        update.currentVersion = "01V"
        let updateRequest = try APIRequest.updateMachine(app: "web", id: "abc", update, nonce: "n1")
        #expect(updateRequest.method == .post)
        #expect(updateRequest.path == "/v1/apps/web/machines/abc")
        #expect(String(decoding: try #require(updateRequest.body), as: UTF8.self).contains("\"current_version\":\"01V\""))
        #expect(updateRequest.headers == [.init("fly-machine-lease-nonce", "n1")])

        let stop = try APIRequest.stopMachine(app: "web", id: "abc", StopRequest(signal: .sigterm, timeout: GoDuration(seconds: 10)))
        let stopBody = try JSONDecoder().decode([String: String].self, from: #require(stop.body))
        #expect(stopBody == ["signal": "SIGTERM", "timeout": "10s"])

        let signal = try APIRequest.signalMachine(app: "web", id: "abc", signal: .sigkill)
        #expect(try JSONDecoder().decode([String: String].self, from: #require(signal.body)) == ["signal": "SIGKILL"])
        #expect(signal.path == "/v1/apps/web/machines/abc/signal")
    }

    @Test func queryParameters() {
        var options = MachineListOptions()
        options.includeDeleted = true
        options.region = "ams"
        options.states = ["started", "stopped"]
        options.summary = true
        options.metadata = ["fly_process_group": "app", "b": "x y"]
        #expect(APIRequest.listMachines(app: "web", options: options).url(baseURL: base)
            == "\(base)/v1/apps/web/machines?include_deleted=true&region=ams&state=started,stopped&summary=true&metadata.b=x%20y&metadata.fly_process_group=app")
        #expect(APIRequest.listMachines(app: "web").url(baseURL: base) == "\(base)/v1/apps/web/machines")

        let wait = APIRequest.waitForMachine(app: "web", id: "abc", options: WaitOptions(states: ["stopped", "suspended"], timeoutSeconds: 30, version: "01V"))
        #expect(wait.url(baseURL: base) == "\(base)/v1/apps/web/machines/abc/wait?state=stopped&state=suspended&timeout=30&version=01V")
        #expect(wait.timeout == .seconds(45), "the client outlives the server's long poll")

        let restart = APIRequest.restartMachine(app: "web", id: "abc", options: RestartOptions(signal: "SIGTERM", timeout: "10s", forceStop: true))
        #expect(restart.queryString == "signal=SIGTERM&timeout=10s&force_stop=true")

        #expect(APIRequest.destroyMachine(app: "web", id: "abc", force: true).queryString == "force=true")
        #expect(APIRequest.listEvents(app: "web", id: "abc", limit: 5).queryString == "limit=5")

        var org = OrgMachineListOptions()
        org.cursor = "c1"
        org.limit = 100
        org.updatedAfter = "2024-01-01T00:00:00Z"
        #expect(APIRequest.listOrgMachines(orgSlug: "personal", options: org).queryString
            == "updated_after=2024-01-01T00:00:00Z&cursor=c1&limit=100")
    }

    @Test func escapesPathSegmentsAndQueryValues() {
        #expect(APIRequest.getMetadataValue(app: "web", id: "abc", key: "a/b c?").path == "/v1/apps/web/machines/abc/metadata/a%2Fb%20c%3F")
        #expect(APIRequest.listApps(orgSlug: "a&b=c+d").queryString == "org_slug=a%26b%3Dc%2Bd")
    }

    @Test func leaseRequests() throws {
        let acquire = try APIRequest.acquireLease(app: "web", id: "abc", ttlSeconds: 120, description: "deploy")
        #expect(acquire.method == .post)
        #expect(acquire.queryString == "ttl=120")
        let body = try JSONDecoder().decode(LeaseRequest.self, from: #require(acquire.body))
        #expect(body == LeaseRequest(ttl: 120, description: "deploy"))
        #expect(acquire.headers.isEmpty)

        let refresh = try APIRequest.acquireLease(app: "web", id: "abc", ttlSeconds: 60, nonce: "5c35f65c9f95")
        #expect(refresh.headers == [.init(APIRequest.leaseNonceHeader, "5c35f65c9f95")])

        let release = APIRequest.releaseLease(app: "web", id: "abc", nonce: "5c35f65c9f95")
        #expect(release.headers == [.init("fly-machine-lease-nonce", "5c35f65c9f95")])
    }

    @Test func everyMutatingCallTakesANonce() throws {
        let requests: [APIRequest] = [
            APIRequest.startMachine(app: "a", id: "m", nonce: "n"),
            try APIRequest.stopMachine(app: "a", id: "m", nonce: "n"),
            APIRequest.restartMachine(app: "a", id: "m", nonce: "n"),
            APIRequest.suspendMachine(app: "a", id: "m", nonce: "n"),
            try APIRequest.signalMachine(app: "a", id: "m", signal: .sigterm, nonce: "n"),
            APIRequest.cordonMachine(app: "a", id: "m", nonce: "n"),
            APIRequest.uncordonMachine(app: "a", id: "m", nonce: "n"),
            APIRequest.destroyMachine(app: "a", id: "m", nonce: "n"),
            try APIRequest.updateMachine(app: "a", id: "m", CreateMachineRequest(config: MachineConfig(image: "x")), nonce: "n"),
            try APIRequest.replaceMetadata(app: "a", id: "m", MetadataUpdate(metadata: [:]), nonce: "n"),
            try APIRequest.patchMetadata(app: "a", id: "m", MetadataUpdate(metadata: [:]), nonce: "n"),
            try APIRequest.setMetadataValue(app: "a", id: "m", key: "k", value: "v", nonce: "n"),
            APIRequest.deleteMetadataValue(app: "a", id: "m", key: "k", nonce: "n"),
        ]
        for request in requests {
            #expect(request.headers == [.init("fly-machine-lease-nonce", "n")], "\(request.path)")
        }
        #expect(APIRequest.startMachine(app: "a", id: "m", nonce: nil).headers.isEmpty)
        #expect(APIRequest.startMachine(app: "a", id: "m", nonce: "").headers.isEmpty)
    }

    @Test func metadataBodies() throws {
        let patch = try APIRequest.patchMetadata(app: "a", id: "m", MetadataUpdate(metadata: ["keep": "v", "drop": nil], machineVersion: "01V"))
        #expect(patch.method == .patch)
        let patchBody = try JSONDecoder().decode(JSONValue.self, from: #require(patch.body))
        #expect(patchBody == .object([
            "metadata": .object(["drop": .null, "keep": .string("v")]),
            "machine_version": .string("01V"),
        ]), "nil values are sent as JSON null")
        let put = try APIRequest.replaceMetadata(app: "a", id: "m", MetadataUpdate(metadata: ["k": "v"]))
        #expect(put.method == .put)
        #expect(put.path == "/v1/apps/a/machines/m/metadata")
        let set = try APIRequest.setMetadataValue(app: "a", id: "m", key: "k", value: "v")
        #expect(set.method == .post)
        #expect(String(decoding: try #require(set.body), as: UTF8.self) == #"{"value":"v"}"#)
    }
}

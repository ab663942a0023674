import Foundation
@testable import TarmacClient
import TarmacModel
import Testing

@Suite struct ResponseDecodingTests {
    func response(_ text: String, status: Int = 200) -> APIResponse {
        APIResponse(status: status, body: Fixtures.data(text), url: "http://127.0.0.1:4280/v1/test")
    }

    @Test func decodesAMachine() throws {
        let machine = try response(Fixtures.machine).decode(Machine.self)
        #expect(machine.id == "1857156b526dd8")
        #expect(machine.state == "started")
        #expect(machine.instanceID == "01HEPA330HZ37A78TK080NAK1M")
        #expect(machine.runtime == "container")
        #expect(machine.config?.`init`?.cmd == ["nginx", "-g", "daemon off;"])
        #expect(machine.config?.stopConfig?.timeout == GoDuration(seconds: 10))
        #expect(machine.config?.stopConfig?.signal == .sigterm)
        #expect(machine.events?.count == 3)
        #expect(machine.events?.first?.type == "exit")
        #expect(machine.checks?.first?.status == "passing")
        #expect(machine.imageRef?.repository == "library/nginx")
    }

    @Test func decodesOtherAnswers() throws {
        let apps = try response(Fixtures.appList).decode(AppList.self)
        #expect(apps.totalApps == 1)
        #expect(apps.apps.first?.organization.slug == "personal")

        let lease = try response(Fixtures.lease).decode(LeaseEnvelope.self)
        #expect(lease.data?.nonce == "5c35f65c9f95")
        #expect(lease.data?.expiresAt == 1_708_569_778)

        let wait = try response(Fixtures.wait).decode(WaitResponse.self)
        #expect(wait.state == "started")
        #expect(wait.eventID == "01HEPA330HZ37A78TK080NAK1N")

        let start = try response(Fixtures.start).decode(StartResponse.self)
        #expect(start.previousState == "stopped")

        let org = try response(Fixtures.orgMachines).decode(OrgMachineList.self)
        #expect(org.machines.first?.appName == "web")
        #expect(org.nextCursor == "abc")

        // A full Machine object also decodes as an org machine.
        let asOrgMachine = try response(Fixtures.machine).decode(OrgMachine.self)
        #expect(asOrgMachine.instanceID == "01HEPA330HZ37A78TK080NAK1M")

        let metadata = try response(#"{"value":"v"}"#).decode(MetadataValue.self)
        #expect(metadata.value == "v")
    }

    @Test func decodingFailureNamesTheField() {
        #expect {
            _ = try response(#"{"id": "x"}"#).decode(Machine.self)
        } throws: { error in
            guard let error = error as? ClientError else { return false }
            return error.code == .decoding && error.message.contains("missing field \"name\"") && error.message.contains("/v1/test")
        }
    }

    @Test func serverErrorTextIsKeptVerbatim() {
        let notFound = APIResponse.error(status: 404, reason: "", body: Fixtures.data(#"{"error":"machine not found"}"#), url: "u")
        #expect(notFound.message == "machine not found")
        #expect(notFound.code == .server)
        #expect(notFound.httpStatus == 404)
        #expect(notFound.isNotFound)
        #expect(notFound.description == "machine not found")

        let taken = APIResponse.error(status: 422, reason: "", body: Fixtures.data(#"{"error":"Name has already been taken","status":"name_taken"}"#), url: "u")
        #expect(taken.message == "Name has already been taken")
        #expect(taken.serverStatus == "name_taken")

        let lease = APIResponse.error(status: 409, reason: "", body: Fixtures.data(#"{"status":"error","message":"aborted: lease currently held by x"}"#), url: "u")
        #expect(lease.message == "aborted: lease currently held by x")
        #expect(lease.isConflict)

        let timeout = APIResponse.error(status: 408, reason: "", body: Fixtures.data(#"{"error":"machine failed to reach desired state, started, currently stopped"}"#), url: "u")
        #expect(timeout.isTimeout)

        let plain = APIResponse.error(status: 502, reason: "", body: Fixtures.data("bad gateway\n"), url: "u")
        #expect(plain.message == "bad gateway")

        let empty = APIResponse.error(status: 503, reason: "Service Unavailable", body: Fixtures.data(""), url: "u")
        #expect(empty.message == "HTTP 503 Service Unavailable")
    }

    @Test func transportDetailIsShort() {
        struct FakeNIOError: Error, CustomStringConvertible {
            var description: String { "NIOConnectionError(host: \"127.0.0.1\", port: 4280, connectionErrors: [connect(descriptor:addr:size:): Connection refused (errno: 111)])" }
        }
        #expect(TarmacClient.shortTransportDetail(FakeNIOError()) == "connection refused")
    }
}

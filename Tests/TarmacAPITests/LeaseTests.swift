import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TarmacModel

@Suite("API: leases")
struct LeaseTests {
    typealias API = APIHarness

    static func path(_ machine: Machine) -> String { "/v1/apps/web/machines/\(machine.id)/lease" }

    @Test("acquire: 201 with the success envelope; ttl from the query")
    func acquire() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let before = Int64(Date().timeIntervalSince1970)
            let response = try await api.request(.post, Self.path(machine) + "?ttl=60")
            #expect(response.status == .created)
            let body = try response.object()
            #expect(body["status"] as? String == "success")
            let data = try #require(body["data"] as? [String: Any])
            let nonce = try #require(data["nonce"] as? String)
            #expect(nonce.count == 12)
            #expect(nonce.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            let expiresAt = try #require((data["expires_at"] as? NSNumber)?.int64Value)
            #expect(expiresAt >= before + 59 && expiresAt <= before + 62)
            #expect((data["owner"] as? String)?.isEmpty == false)
            #expect(data["description"] as? String == "")
            #expect(data["version"] as? String == machine.instanceID)

            let get = try await api.request(.get, Self.path(machine))
            #expect(get.status == .ok)
            #expect(try get.decode(LeaseEnvelope.self).data?.nonce == nonce)
        }
    }

    @Test("acquire: ttl and description in the body")
    func acquireWithBody() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let before = Int64(Date().timeIntervalSince1970)
            let lease = try await api.request(.post, Self.path(machine), json: #"{"ttl":120,"description":"deploying"}"#).decode(LeaseEnvelope.self)
            let data = try #require(lease.data)
            #expect(data.description == "deploying")
            #expect(data.expiresAt >= before + 119 && data.expiresAt <= before + 122)
        }
    }

    @Test("acquire: invalid ttl is 400", arguments: ["?ttl=0", "?ttl=-5", "?ttl=abc", "?ttl=86401"])
    func invalidTTL(query: String) async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            #expect(try await api.request(.post, Self.path(machine) + query).status == .badRequest)
            #expect(try await api.request(.get, Self.path(machine)).status == .notFound)
        }
    }

    @Test("a second acquire is 409 aborted … lease currently held by")
    func secondAcquire() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            #expect(try await api.request(.post, Self.path(machine) + "?ttl=60").status == .created)
            let second = try await api.request(.post, Self.path(machine) + "?ttl=60")
            #expect(second.status == .conflict)
            let text = try second.errorText()
            #expect(text.hasPrefix("aborted: "))
            #expect(text.contains("lease currently held by"))
            #expect(text.contains(machine.id))
            let wrongNonce = try await api.request(.post, Self.path(machine), headers: API.nonce("000000000000"))
            #expect(wrongNonce.status == .conflict)
        }
    }

    @Test("refresh with the nonce keeps the nonce and extends the expiry")
    func refresh() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let first = try #require(try await api.request(.post, Self.path(machine) + "?ttl=10").decode(LeaseEnvelope.self).data)
            let response = try await api.request(.post, Self.path(machine) + "?ttl=600", headers: API.nonce(first.nonce))
            #expect(response.status == .created)
            let refreshed = try #require(try response.decode(LeaseEnvelope.self).data)
            #expect(refreshed.nonce == first.nonce)
            #expect(refreshed.expiresAt > first.expiresAt)
        }
    }

    @Test("mutations need the nonce while a lease is held; reads don't")
    func mutationsNeedNonce() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let nonce = try #require(try await api.request(.post, Self.path(machine) + "?ttl=60").decode(LeaseEnvelope.self).data?.nonce)
            let base = "/v1/apps/web/machines/\(machine.id)"
            let attempts: [(HTTPRequest.Method, String, String?)] = [
                (.post, base + "/start", nil), (.post, base + "/stop", nil), (.post, base + "/restart", nil),
                (.post, base + "/cordon", nil), (.post, base, #"{"config":{"image":"web:v2"}}"#),
                (.put, base + "/metadata", #"{"metadata":{"a":"1"}}"#), (.delete, base + "?force=true", nil),
            ]
            for (method, uri, json) in attempts {
                let response = try await api.request(method, uri, json: json)
                #expect(response.status == .conflict, "\(method) \(uri)")
                #expect(try response.errorText().contains("lease currently held by"))
            }
            #expect(api.agent.commands.isEmpty)
            #expect(api.agent.applies.count == 1)
            #expect(try await api.request(.post, base + "/start", headers: API.nonce("000000000000")).status == .conflict)
            #expect(try await api.request(.post, base + "/start", headers: API.nonce(nonce)).status == .ok)
            #expect(try await api.request(.get, base).status == .ok)
            #expect(try await api.request(.get, base + "/events").status == .ok)
            #expect(try await api.request(.get, base + "/metadata").status == .ok)
        }
    }

    @Test("release: nonce required (400), wrong nonce 409, then 200; afterwards lease not found")
    func release() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            let nonce = try #require(try await api.request(.post, Self.path(machine) + "?ttl=60").decode(LeaseEnvelope.self).data?.nonce)
            #expect(try await api.request(.delete, Self.path(machine)).status == .badRequest)
            #expect(try await api.request(.delete, Self.path(machine), headers: API.nonce("000000000000")).status == .conflict)
            let released = try await api.request(.delete, Self.path(machine), headers: API.nonce(nonce))
            #expect(released.status == .ok)
            let body = try released.object()
            #expect(body["status"] as? String == "success")
            #expect((body["data"] as? [String: Any])?["ok"] as? Bool == true)

            let get = try await api.request(.get, Self.path(machine))
            #expect(get.status == .notFound)
            #expect(try get.errorText().contains("lease not found"))
            let again = try await api.request(.delete, Self.path(machine), headers: API.nonce(nonce))
            #expect(again.status == .notFound)
            #expect(try again.errorText().contains("lease not found"))
            // Mutations are free again.
            #expect(try await api.request(.post, "/v1/apps/web/machines/\(machine.id)/start").status == .ok)
        }
    }

    @Test("an expired lease vanishes")
    func expiry() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            #expect(try await api.request(.post, Self.path(machine) + "?ttl=1").status == .created)
            try await Task.sleep(for: .milliseconds(1_100))
            #expect(try await api.request(.get, Self.path(machine)).status == .notFound)
            #expect(try await api.request(.post, "/v1/apps/web/machines/\(machine.id)/start").status == .ok)
            #expect(try await api.request(.post, Self.path(machine) + "?ttl=60").status == .created)
        }
    }

    @Test("include_leases shows the lease on the machine")
    func includeLeases() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            _ = try await api.request(.post, Self.path(machine) + "?ttl=60", json: #"{"description":"deploy"}"#)
            let plain = try await api.machine(machine.id)
            #expect(plain.lease == nil)
            let withLease = try await api.request(.get, "/v1/apps/web/machines/\(machine.id)?include_leases=true").decode(Machine.self)
            #expect(withLease.lease?.description == "deploy")
            let listed = try await api.request(.get, "/v1/apps/web/machines?include_leases=true").decode([Machine].self)
            #expect(listed.first?.lease?.description == "deploy")
        }
    }

    @Test("lease routes on unknown machines are 404 machine not found")
    func unknownMachine() async throws {
        try await API.withApp { api in
            let response = try await api.request(.post, "/v1/apps/web/machines/00000000000000/lease")
            #expect(response.status == .notFound)
            #expect(try response.errorText() == "machine not found")
        }
    }
}

import Foundation
import HummingbirdTesting
import Testing
import TarmacAgentProtocol
import TarmacModel

/// `GET /tarmac/v1/apps/{app}/logs` over a fake host: the shape of a line, filters, the
/// tail and `since` readings, destroyed machines, and every refusal.
@Suite("API: logs")
struct AppLogsTests {
    typealias API = APIHarness

    struct Page: Decodable { var lines: [LogLine] }

    static let base: Int64 = 1_800_000_000_000_000_000

    static func lines(_ id: String, count: Int, offset: Int64 = 0) -> [AgentLogLine] {
        (1...count).map { AgentLogLine(machineID: id, timestamp: base + Int64($0) * 1_000_000_000 + offset, number: Int64($0), message: "\(id) \($0)") }
    }

    @Test("the newest lines of every machine merged by time, each with its machine, region, number and a nanosecond time")
    func tail() async throws {
        try await API.withApp { api in
            let a = try await api.createMachine()
            let b = try await api.createMachine()
            api.agent.addLogLines(Self.lines(a.id, count: 5) + Self.lines(b.id, count: 5, offset: 500_000_000))
            let response = try await api.request(.get, "/tarmac/v1/apps/web/logs?limit=3")
            #expect(response.status == .ok)
            let page = try response.decode(Page.self)
            #expect(page.lines.map(\.message) == ["\(b.id) 4", "\(a.id) 5", "\(b.id) 5"])
            #expect(page.lines.first?.timestamp == "2027-01-15T08:00:04.500000000Z")
            #expect(page.lines.allSatisfy { $0.region == "local" })
            let raw = try #require(try JSONSerialization.jsonObject(with: response.data) as? [String: [[String: Any]]])
            #expect(Set(raw["lines"]?.first?.keys.map { $0 } ?? []) == ["timestamp", "machine_id", "region", "number", "message"])

            let one = try await api.request(.get, "/tarmac/v1/apps/web/logs?machine=\(a.id)").decode(Page.self)
            #expect(one.lines.map(\.number) == [1, 2, 3, 4, 5] && one.lines.allSatisfy { $0.machineID == a.id })
            let since = try await api.request(.get, "/tarmac/v1/apps/web/logs?since=2027-01-15T08:00:04Z&limit=2").decode(Page.self)
            #expect(since.lines.map(\.message) == ["\(a.id) 4", "\(b.id) 4"], "from the time on, oldest first")
            let asked = api.agent.logRequests.count
            let elsewhere = try await api.request(.get, "/tarmac/v1/apps/web/logs?region=fra").decode(Page.self)
            #expect(elsewhere.lines.isEmpty)
            #expect(api.agent.logRequests.count == asked, "no machine in that region: no host is asked")
        }
    }

    @Test("a destroyed machine's logs are still there")
    func afterDestroy() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine()
            api.agent.addLogLines(Self.lines(machine.id, count: 2))
            try await api.report(machine.id, .stopped)
            let destroy = try await api.request(.delete, "/v1/apps/web/machines/\(machine.id)")
            #expect(destroy.status == .ok)
            try await api.report(machine.id, .destroyed)
            let page = try await api.request(.get, "/tarmac/v1/apps/web/logs?machine=\(machine.id)").decode(Page.self)
            #expect(page.lines.map(\.number) == [1, 2])
            let whole = try await api.request(.get, "/tarmac/v1/apps/web/logs").decode(Page.self)
            #expect(whole.lines.count == 2)
        }
    }

    @Test("bad input: since, limit, follow → 400 naming the field; unknown app or machine → 404", arguments: [
        ("since=yesterday", 400, "since must be an RFC 3339 time"),
        ("since=-10m", 400, "since must be"),
        ("since=2026-13-45T00:00:00Z", 400, "since must be"),
        ("limit=0", 400, "limit must be a whole number from 1 to 10000"),
        ("limit=10001", 400, "limit must be"),
        ("limit=ten", 400, "limit must be"),
        ("follow=maybe", 400, "follow must be true or false"),
        ("machine=d891d7e1c3e468", 404, "machine not found"),
        ("machine=../../etc", 404, "machine not found"),
        ("follow=true&machine=d891d7e1c3e468", 404, "machine not found"),
    ])
    func refusals(query: String, status: Int, text: String) async throws {
        try await API.withApp { api in
            let response = try await api.request(.get, "/tarmac/v1/apps/web/logs?\(query)")
            #expect(Int(response.status.code) == status, "\(query): \(response.text)")
            #expect(try response.errorText().contains(text), "\(query): \(response.text)")
        }
    }

    @Test("an unknown app is a 404, also for a follow")
    func unknownApp() async throws {
        try await API.withApp { api in
            let plain = try await api.request(.get, "/tarmac/v1/apps/nope/logs")
            #expect(plain.status == .notFound)
            let follow = try await api.request(.get, "/tarmac/v1/apps/nope/logs?follow=true")
            #expect(follow.status == .notFound)
        }
    }
}

import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TarmacModel

@Suite("API: the app event feed (/tarmac/v1/apps/{app}/events)")
struct AppEventsTests {
    typealias API = APIHarness

    @Test("a page of every machine's events, oldest first, after a sequence and limited")
    func page() async throws {
        try await API.withApp { api in
            let one = try await api.createMachine(#"{"config":{"image":"web:v1"}}"#)
            let two = try await api.createMachine(#"{"config":{"image":"web:v1"}}"#)
            let all = try await api.request(.get, "/tarmac/v1/apps/web/events").decode([AppEvent].self)
            #expect(Set(all.map(\.machineID)) == [one.id, two.id])
            #expect(all.map(\.sequence) == all.map(\.sequence).sorted())
            #expect(all.contains { $0.machineID == one.id && $0.event.type == "launch" })
            let first = try #require(all.first)
            let rest = try await api.request(.get, "/tarmac/v1/apps/web/events?after=\(first.sequence)").decode([AppEvent].self)
            #expect(rest == Array(all.dropFirst()))
            #expect(try await api.request(.get, "/tarmac/v1/apps/web/events?limit=1").decode([AppEvent].self) == [first])
        }
    }

    @Test("another app's events are not in the feed")
    func perApp() async throws {
        try await API.withApp { api in
            try await api.createApp("other")
            _ = try await api.createMachine(#"{"config":{"image":"web:v1"}}"#)
            #expect(try await api.request(.get, "/tarmac/v1/apps/other/events").decode([AppEvent].self).isEmpty)
        }
    }

    @Test("bad input: unknown app 404, bad after/limit/Last-Event-ID 400")
    func badInput() async throws {
        try await API.withApp { api in
            #expect(try await api.request(.get, "/tarmac/v1/apps/nope/events").status == .notFound)
            #expect(try await api.request(.get, "/tarmac/v1/apps/nope/events/sse").status == .notFound)
            #expect(try await api.request(.get, "/tarmac/v1/apps/web/events?after=-1").status == .badRequest)
            #expect(try await api.request(.get, "/tarmac/v1/apps/web/events?after=x").status == .badRequest)
            #expect(try await api.request(.get, "/tarmac/v1/apps/web/events?limit=0").status == .badRequest)
            #expect(try await api.request(.get, "/tarmac/v1/apps/web/events?limit=501").status == .badRequest)
            let badID = try await api.request(.get, "/tarmac/v1/apps/web/events/sse", headers: [HTTPField.Name("Last-Event-ID")!: "abc"])
            #expect(badID.status == .badRequest)
            #expect(String(buffer: badID.body).contains("Last-Event-ID"))
            #expect(try await api.request(.get, "/tarmac/v1/apps/web/events/sse?after=-4").status == .badRequest)
        }
    }

    @Test("a follower is woken by a machine change and gets exactly the events after its cursor")
    func follow() async throws {
        try await API.withApp { api in
            let cursor = try await api.control.appEventCursor(app: "web", after: nil)
            // Nothing new yet: the wait ends empty at its timeout.
            #expect(try await api.control.nextAppEvents(app: "web", after: cursor, timeout: .milliseconds(50)).isEmpty)
            async let woken = api.control.nextAppEvents(app: "web", after: cursor, timeout: .seconds(30))
            let machine = try await api.createMachine(#"{"config":{"image":"web:v1"}}"#)
            let events = try await woken
            #expect(events.first?.machineID == machine.id)
            #expect(events.allSatisfy { $0.sequence > cursor })
            let last = try #require(events.last)
            let after = try await api.control.appEvents(app: "web", after: last.sequence)
            #expect(after.allSatisfy { $0.sequence > last.sequence })
        }
    }
}

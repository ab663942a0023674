import Foundation
import TarmacModel
import Testing
@testable import TarmacCLI

@Suite struct FormattingTests {
    func machine() throws -> Machine {
        try JSONDecoder().decode(Machine.self, from: Fixtures.data(Fixtures.machine))
    }

    @Test func exitEventDetails() throws {
        let events = try #require(try machine().events)
        #expect(EventFormatting.detail(events[0]) == "exit_code=1 restarting restart_count=2")
        #expect(EventFormatting.exitCode(events[0]) == 1)
        #expect(EventFormatting.detail(events[1]) == "")
        let killed = MachineEvent(id: "x", type: "exit", status: "stopped", source: "flyd", timestamp: 0, request: .object([
            "exit_event": .object(["exit_code": .number(137), "signal": .number(9), "oom_killed": .bool(true), "requested_stop": .bool(true)]),
        ]))
        #expect(EventFormatting.detail(killed) == "exit_code=137 signal=SIGKILL oom_killed requested_stop")
    }

    @Test func checkHookAndWebhookEventDetails() {
        func event(_ type: String, _ request: [String: JSONValue]) -> MachineEvent {
            MachineEvent(id: "x", type: type, status: "s", source: "flyd", timestamp: 0, request: .object(request))
        }
        #expect(EventFormatting.detail(event("check", ["check": .string("alive"), "output": .string("TCP connect 10.0.0.2:80: Success")]))
            == "check=alive output=\"TCP connect 10.0.0.2:80: Success\"")
        #expect(EventFormatting.detail(event("hook", ["hook": .string("pre_stop"), "index": .number(1), "exit_code": .number(0), "duration_ms": .number(12)]))
            == "hook=pre_stop[1] exit_code=0 12ms")
        #expect(EventFormatting.detail(event("webhook", ["webhook_id": .string("wh_1"), "reason": .string("10 failed")]))
            == "webhook=wh_1 reason=\"10 failed\"")
    }

    @Test func eventRows() throws {
        let events = try #require(try machine().events)
        #expect(EventFormatting.row(events[1]) == ["2023-10-31T02:30:10.000Z", "start", "started", "flyd", ""])
    }

    @Test func relativeTimes() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(TimeFormatting.relative(now, now: now) == "just now")
        #expect(TimeFormatting.relative(now.addingTimeInterval(-42), now: now) == "42s ago")
        #expect(TimeFormatting.relative(now.addingTimeInterval(-180), now: now) == "3m ago")
        #expect(TimeFormatting.relative(now.addingTimeInterval(-7200), now: now) == "2h ago")
        #expect(TimeFormatting.relative(now.addingTimeInterval(-86_400 * 4), now: now) == "4d ago")
        #expect(TimeFormatting.relative(now.addingTimeInterval(90), now: now) == "in 1m")
        #expect(TimeFormatting.relative(rfc3339: "not a date", now: now) == "not a date")
        #expect(TimeFormatting.elapsed(.milliseconds(2345)) == "2.3s")
        #expect(TimeFormatting.elapsed(.seconds(125)) == "2m05s")
    }

    @Test func machineTableAndDetails() throws {
        let machine = try machine()
        let now = try #require(Timestamps.parseRFC3339("2023-10-31T02:31:26Z"))
        #expect(MachineFormatting.listRow(machine, now: now) == [
            "1857156b526dd8", "aged-wind-2649", "started", "1/1 passing", "local", "nginx:latest", "fdaa:0:18:a7b:196:e274:9ce1:2", "container", "1m ago",
        ])
        var failing = machine
        failing.checks = [.init(name: "a", status: "passing", output: "", updatedAt: nil), .init(name: "b", status: "critical", output: "", updatedAt: nil)]
        #expect(MachineFormatting.checks(failing) == "1/2 passing, 1 critical")
        failing.checks = nil
        #expect(MachineFormatting.checks(failing) == "-")
        let details = MachineStatusCommand.render(machine, events: machine.events ?? [], now: now)
        #expect(details.contains("Command:      nginx -g 'daemon off;'"))
        #expect(details.contains("Guest:        1 shared CPU, 256 MB"))
        #expect(details.contains("Restart:      on-failure (max 10 retries)"))
        #expect(details.contains("servicecheck-00-http-8080  passing"))
        #expect(details.contains("Recent events"))
        #expect(details.contains("exit_code=1 restarting restart_count=2"))

        let summary = MachineFormatting.summary(machine)
        #expect(summary.hasPrefix("ID:         1857156b526dd8\nName:       aged-wind-2649\nState:      started"))
    }

    @Test func jsonOutputIsPrettyAndSorted() {
        #expect(JSONOutput.pretty(Fixtures.data(#"{"b":1,"a":{"d":"x/y","c":[1,2]}}"#)) == """
            {
              "a" : {
                "c" : [
                  1,
                  2
                ],
                "d" : "x/y"
              },
              "b" : 1
            }
            """)
        #expect(JSONOutput.pretty(Fixtures.data("")) == nil)
        #expect(JSONOutput.pretty(Fixtures.data("  \n")) == nil)
        #expect(JSONOutput.pretty(Fixtures.data("not json")) == "not json")
    }

    @Test func appTable() throws {
        let list = try JSONDecoder().decode(AppList.self, from: Fixtures.data(Fixtures.appList))
        let now = Date(timeIntervalSince1970: 1_708_631_799 + 3600)
        #expect(AppsListCommand.table(list.apps, now: now) == """
            NAME  ORG       STATUS    MACHINES  CREATED
            web   personal  deployed  2         1h ago
            """)
    }
}

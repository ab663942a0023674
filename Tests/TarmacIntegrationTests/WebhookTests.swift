import Foundation
import Testing

/// Webhooks end to end: a real `tarmac dev` + runc delivering to receivers in the test that
/// verify every signature; a failing receiver gets disabled, a hanging one slows nothing
/// else, and deliveries missed while the server was down arrive after its restart.
@Suite("Webhooks (real tarmac dev + runc)")
struct WebhookTests {
    static let secret = "whsec-test-0123456789"

    @Test("signed deliveries, bad definitions refused, auto-disable, a hanging receiver, and no loss across a kill -9")
    func deliveries() async throws {
        try await WebhookReceiver.with(secret: Self.secret) { receiver, port in
            try await DevInstance.with(arguments: ["--webhook-retry-base-ms", "100", "--webhook-max-failures", "5"]) { dev in
                try dev.importBusybox()
                try await dev.createApp("hooks")
                let base = "/tarmac/v1/apps/hooks/webhooks"
                let url = "http://127.0.0.1:\(port)"

                // Bad definitions are refused naming the field.
                let bad: [([String: Any], String)] = [
                    (["url": "ftp://127.0.0.1/x", "secret": Self.secret], "url:"),
                    (["url": "not a url", "secret": Self.secret], "url:"),
                    (["secret": Self.secret], "url:"),
                    (["url": url + "/ok", "secret": "short"], "secret:"),
                    (["url": url + "/ok"], "secret:"),
                    (["url": url + "/ok", "secret": Self.secret, "events": ["Start!"]], "events[0]:"),
                ]
                for (body, field) in bad {
                    let (status, answer) = try await dev.json("POST", base, body: body)
                    #expect(status == 400, "\(body)")
                    #expect((answer?["error"] as? String)?.hasPrefix(field) == true, "\(String(describing: answer))")
                }
                #expect(try await dev.request("POST", "/tarmac/v1/apps/nope/webhooks", body: ["url": url + "/ok", "secret": Self.secret]).0 == 404)
                #expect(try await dev.request("GET", base + "/wh_missing").0 == 404)
                #expect(try await dev.jsonArray("GET", base).1.isEmpty)

                func create(_ path: String, events: [String]? = nil) async throws -> String {
                    var body: [String: Any] = ["url": url + path, "secret": Self.secret]
                    if let events { body["events"] = events }
                    let (status, webhook) = try await dev.json("POST", base, body: body)
                    #expect(status == 201)
                    #expect(webhook?["secret"] == nil, "the secret is never shown")
                    return try #require(webhook?["id"] as? String)
                }
                let good = try await create("/ok")
                let failing = try await create("/fail")
                let hanging = try await create("/hang", events: ["start"])
                #expect(try await dev.request("GET", base + "/\(good)/deliveries?limit=0").0 == 400)
                #expect(try await dev.jsonArray("GET", base).1.count == 3)

                let machine = try await dev.createMachine(app: "hooks", body: ["config": ["image": "busybox-test", "init": ["cmd": ["sleep", "1000"]], "restart": ["policy": "no"]]])
                let id = try #require(machine["id"] as? String)
                _ = try await dev.wait(app: "hooks", id: id, state: "started")

                // The good receiver gets the start at once although the hanging one holds its
                // own delivery of it open (10 s timeout).
                #expect(try await dev.eventually(timeout: .seconds(5)) {
                    receiver.deliveries.contains { $0.path == "ok" && $0.eventType == "start" && $0.machineID == id }
                })
                #expect(try await dev.eventually(timeout: .seconds(5)) { receiver.deliveries.contains { $0.path == "hang" } })

                // The failing receiver is disabled after 5 attempts in a row, which is an event.
                var failed: [String: Any]?
                #expect(try await dev.eventually(timeout: .seconds(30)) {
                    failed = try await dev.json("GET", base + "/\(failing)").1
                    return failed?["enabled"] as? Bool == false
                })
                #expect((failed?["disabled_reason"] as? String)?.contains("500") == true, "\(String(describing: failed))")
                let log = try await dev.jsonArray("GET", base + "/\(failing)/deliveries").1
                // Five failed attempts in a row; each a 500, unless the loaded host made one time
                // out or drop (a failure all the same, without a status).
                #expect(log.count == 5 && log.allSatisfy { $0["outcome"] as? String == "failed" }, "\(log)")
                #expect(log.allSatisfy { ($0["status_code"] as? Int).map { $0 == 500 } ?? true } && log.first?["status_code"] as? Int == 500, "\(log)")
                #expect(log.compactMap { $0["attempt"] as? Int } == [5, 4, 3, 2, 1])
                #expect(try await dev.eventually {
                    receiver.deliveries.contains { $0.path == "ok" && $0.eventType == "webhook" && $0.request["webhook_id"] == failing }
                }, "the good webhook is told the failing one was disabled")

                // Enabled again, it resumes from where it stopped (and, still failing, is
                // disabled again after 5 more attempts).
                let enabled = try dev.cli(["webhooks", "enable", failing, "-a", "hooks", "--json"])
                #expect(enabled.status == 0, "\(enabled.stderr)")
                let reenabled = try JSONSerialization.jsonObject(with: Data(enabled.stdout.utf8)) as? [String: Any]
                #expect(reenabled?["enabled"] as? Bool == true && reenabled?["consecutive_failures"] as? Int == 0 && reenabled?["disabled_reason"] == nil)
                #expect(try await dev.eventually(timeout: .seconds(30)) {
                    let attempts = try await dev.jsonArray("GET", base + "/\(failing)/deliveries").1.count
                    let state = try await dev.json("GET", base + "/\(failing)").1?["enabled"] as? Bool
                    return attempts == 10 && state == false
                })
                #expect(try await dev.request("POST", base + "/wh_nope/enable").0 == 404)

                // The good receiver goes down; the machine stops; the server is killed while
                // deliveries fail. After a restart (receiver back) nothing is missing.
                receiver.setFailing(true)
                let (stopped, _) = try await dev.request("POST", "/v1/apps/hooks/machines/\(id)/stop")
                #expect(stopped == 200)
                _ = try await dev.wait(app: "hooks", id: id, state: "stopped")
                #expect(try await dev.eventually { receiver.deliveries.contains { $0.path == "ok" && $0.attempt >= 2 } })
                dev.kill9()
                receiver.setFailing(false)
                try await dev.launch()

                let created = try #require(try await dev.json("GET", base + "/\(good)").1)
                #expect(created["enabled"] as? Bool == true)
                let feed = try await dev.jsonArray("GET", "/tarmac/v1/apps/hooks/events?limit=500").1
                let expected = Set(feed.compactMap { ($0["sequence"] as? NSNumber)?.int64Value })
                #expect(expected.count >= 4, "\(feed)")
                #expect(try await dev.eventually(timeout: .seconds(30)) {
                    let got = Set(receiver.deliveries.filter { $0.path == "ok" && $0.webhookID == good }.map(\.sequence))
                    return expected.isSubset(of: got)
                }, "every event reaches the good receiver at least once, across the restart")
                let all = receiver.deliveries
                #expect(all.allSatisfy { $0.signatureValid }, "every delivery carries a valid signature")
                #expect(all.filter { $0.path == "ok" }.contains { $0.eventType == "exit" })
                let goodLog = try await dev.jsonArray("GET", base + "/\(good)/deliveries?limit=200").1
                #expect(goodLog.contains { $0["outcome"] as? String == "failed" } && goodLog.first?["outcome"] as? String == "delivered")

                // The CLI: create (--json), list, deliveries, delete; a short secret is refused.
                let short = try dev.cli(["webhooks", "create", url + "/ok", "-a", "hooks", "--secret", "short"])
                #expect(short.status != 0 && short.stderr.contains("secret:"), "\(short.stderr)")
                let made = try dev.cli(["webhooks", "create", url + "/ok", "-a", "hooks", "--secret", Self.secret, "--event", "exit", "--json"])
                #expect(made.status == 0, "\(made.stderr)")
                let cliID = try #require((try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any])?["id"] as? String)
                let table = try dev.cli(["webhooks", "list", "-a", "hooks"])
                #expect(table.stdout.contains(cliID) && table.stdout.contains("disabled") && table.stdout.contains("exit"), "\(table.stdout)")
                let attempts = try dev.cli(["webhooks", "deliveries", failing, "-a", "hooks"])
                #expect(attempts.status == 0 && attempts.stdout.contains("failed") && attempts.stdout.contains("500"), "\(attempts.stdout)")
                let removed = try dev.cli(["webhooks", "delete", cliID, "-a", "hooks", "--json"])
                #expect(removed.status == 0 && removed.stdout.contains(cliID), "\(removed.stderr)")

                #expect(try await dev.request("DELETE", base + "/\(hanging)").0 == 200)
                #expect(try await dev.request("GET", base + "/\(hanging)").0 == 404)
                #expect(try await dev.jsonArray("GET", base).1.count == 2)
            }
        }
    }
}

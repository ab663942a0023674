import Foundation
import Testing

/// `GET …/ps` and `tarmac machine ps` against a real `tarmac dev` + runc.
@Suite("ps (real tarmac dev + runc)")
struct MachinePsTests {
    @Test func processesWithTheirListeningSocketsThroughTheAPIAndTheCLI() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("ps")
            let machine = try await dev.createMachine(app: "ps", body: ["config": [
                "image": "busybox-test", "init": ["cmd": ["sh", "-c", "httpd -p 8080 -h /www; exec sleep 1000"]], "restart": ["policy": "no"],
            ]])
            let id = try #require(machine["id"] as? String)
            _ = try await dev.wait(app: "ps", id: id, state: "started")
            let path = "/v1/apps/ps/machines/\(id)/ps"
            var httpd: [String: Any]?
            #expect(try await dev.eventually {
                let (_, list) = try await dev.jsonArray("GET", path)
                httpd = list.first { ($0["command"] as? String)?.hasPrefix("httpd") == true }
                return (httpd?["listen_sockets"] as? [[String: Any]])?.isEmpty == false
            })
            let sockets = try #require(httpd?["listen_sockets"] as? [[String: String]])
            #expect(sockets.contains { $0["proto"] == "tcp" && $0["address"]?.hasSuffix(":8080") == true })
            let (status, byRSS) = try await dev.jsonArray("GET", path + "?sort_by=rss&order=desc")
            #expect(status == 200)
            let rss = byRSS.compactMap { $0["rss"] as? Int }
            #expect(rss == rss.sorted(by: >) && rss.count >= 3) // init, sleep, httpd
            #expect(try await dev.request("GET", path + "?sort_by=colour").0 == 400)

            let table = try dev.cli(["machine", "ps", id, "-a", "ps"])
            #expect(table.status == 0, "\(table.stderr)")
            #expect(table.stdout.contains("httpd") && table.stdout.contains(":8080"), "\(table.stdout)")
            let json = try dev.cli(["machine", "ps", id, "-a", "ps", "--json", "--sort-by", "pid"])
            let listed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
            #expect(listed?.first?["pid"] as? Int == 1)

            let (stop, _) = try await dev.request("POST", "/v1/apps/ps/machines/\(id)/stop")
            #expect(stop == 200)
            _ = try await dev.wait(app: "ps", id: id, state: "stopped")
            #expect(try await dev.request("GET", path).0 == 412)
        }
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The README's quickstart through the real CLI binary against a real `tarmac dev`.
@Suite("CLI against tarmac dev", .serialized)
struct CLITests {
    @Test("apps, machine run/list/status/stop/wait/destroy and events work with --json and readable output, with reliable exit codes")
    func quickstartThroughCLI() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            let images = try dev.cli(["image", "ls"])
            #expect(images.status == 0)
            #expect(images.stdout.contains("busybox-test"))
            let regions = try dev.cli(["platform", "regions", "--json"])
            #expect(regions.status == 0 && regions.stdout.contains(#""nearest" : "local""#), "\(regions.stdout) \(regions.stderr)")

            #expect(try dev.cli(["apps", "create", "cli"]).status == 0)
            let duplicate = try dev.cli(["apps", "create", "cli"])
            #expect(duplicate.status == 1)
            #expect(duplicate.stderr.contains("Name has already been taken"))

            let run = try dev.cli(["machine", "run", "busybox-test", "-a", "cli", "--name", "web-1", "--cmd", "httpd -f -p 8080 -h /www", "--json"])
            #expect(run.status == 0, "\(run.stderr)")
            let machine = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            #expect(machine["state"] as? String == "started")
            let id = try #require(machine["id"] as? String)
            let ip = try #require(machine["private_ip"] as? String)
            #expect(try await HTTPFetch.text("http://\(ip):8080/index.html") == "hello from tarmac\n")

            let list = try dev.cli(["machine", "list", "-a", "cli"])
            #expect(list.status == 0)
            #expect(list.stdout.contains(id) && list.stdout.contains("started"))

            #expect(try dev.cli(["machine", "stop", id, "-a", "cli"]).status == 0)
            let status = try dev.cli(["machine", "status", id, "-a", "cli"])
            #expect(status.stdout.contains("stopped"))

            // A wait that cannot succeed times out with its own exit code.
            let wait = try dev.cli(["machine", "wait", id, "-a", "cli", "--state", "started", "--timeout", "1s"])
            #expect(wait.status == 2, "\(wait.stderr)")

            let events = try dev.cli(["events", "-a", "cli", "--json"])
            #expect(events.status == 0)
            #expect(events.stdout.contains("\"exit\""))

            // Server errors are shown as they are, with exit 1.
            let missing = try dev.cli(["machine", "status", "00000000000000", "-a", "cli"])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("machine not found"))

            #expect(try dev.cli(["machine", "destroy", id, "-a", "cli"]).status == 0)
            #expect(try dev.cli(["apps", "destroy", "cli"]).status == 0)

            // Wrong token: 401 with the server's message; unreachable server: exit 3.
            let denied = try Shell.run(try TestPaths.tarmac, ["apps", "list", "--api", dev.baseURL, "--token", "wrong"])
            #expect(denied.status == 1)
            #expect(denied.stderr.contains("token validation error"))
            let unreachable = try Shell.run(try TestPaths.tarmac, ["apps", "list", "--api", "http://127.0.0.1:1", "--token", "x"])
            #expect(unreachable.status == 3)
        }
    }
}

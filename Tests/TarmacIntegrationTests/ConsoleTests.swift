import Foundation
import Testing

/// Interactive consoles end to end: a real `tarmac dev`, real runc containers and QEMU
/// microVMs, the WebSocket and `tarmac machine console` / `tarmac ssh console`.
@Suite("Console (real tarmac dev + runc / QEMU)")
struct ConsoleTests {
    static func url(_ dev: DevInstance, app: String, id: String, query: String = "") -> String {
        "ws://127.0.0.1:\(dev.port)/tarmac/v1/apps/\(app)/machines/\(id)/console/ws\(query.isEmpty ? "" : "?" + query)"
    }

    /// The server's text message on a console that cannot open, read with curl (a raw
    /// upgrade; server frames are unmasked, so the JSON is there as is), bounded by --max-time.
    static func refusal(_ dev: DevInstance, app: String, id: String, query: String = "") throws -> [String: Any]? {
        let curl = try Shell.run("curl", [
            "-s", "-N", "--http1.1", "--max-time", "10", "-H", "Authorization: Bearer \(dev.token)",
            "-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13",
            "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "http://127.0.0.1:\(dev.port)/tarmac/v1/apps/\(app)/machines/\(id)/console/ws\(query.isEmpty ? "" : "?" + query)",
        ])
        guard let start = curl.stdout.range(of: #"{""#), let end = curl.stdout.range(of: "}", range: start.lowerBound..<curl.stdout.endIndex) else { return nil }
        return try JSONSerialization.jsonObject(with: Data(curl.stdout[start.lowerBound..<end.upperBound].utf8)) as? [String: Any]
    }

    /// A terminal: size, a resize, Ctrl-C of a foreground command, job control's tty, exit status.
    static func converse(_ dev: DevInstance, app: String, id: String) async throws {
        let outcome = try await ConsoleScript.run(url: url(dev, app: app, id: id, query: "rows=33&cols=101"), token: dev.token, steps: [
            .keys("tty; stty size\r", expect: "33 101"),
            .resize(rows: 40, columns: 120),
            .keys("stty size\r", expect: "40 120"),
            .keys("sleep 100\r", expect: "sleep 100"),
            .repeatKeys("\u{03}", expect: "#", interval: .milliseconds(500)),
            .keys("echo after-$((40+2))\r", expect: "after-42"),
            .keys("exit 5\r", expect: "exit 5"),
        ])
        #expect(outcome.missed == nil, "did not see \(outcome.missed ?? ""): \(outcome.transcript.suffix(2000))")
        #expect(outcome.transcript.contains("/dev/pts/"), "a real terminal: \(outcome.transcript.prefix(500))")
        #expect(outcome.exit?["type"] as? String == "exit" && outcome.exit?["exit_code"] as? Int == 5, "\(String(describing: outcome.exit))")
    }

    @Test("container: a shell on a terminal over the WebSocket and through the CLI; refusals before the upgrade")
    func container() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("shell")
            let machine = try await dev.createMachine(app: "shell", body: ["config": ["image": "busybox-test", "init": ["cmd": ["sleep", "1000"]]]])
            let id = try #require(machine["id"] as? String)
            _ = try await dev.wait(app: "shell", id: id, state: "started")
            try await Self.converse(dev, app: "shell", id: id)

            // The CLI with a pipe for stdin: the shell sees a terminal, its status is ours.
            let piped = try Shell.run("/bin/sh", ["-c", "printf 'tty; echo cli-$((6*7)); exit 3\\n' | \"$TARMAC\" machine console \(id) -a shell"], environment: [
                "TARMAC": try TestPaths.tarmac, "TARMAC_API_URL": dev.baseURL, "TARMAC_API_TOKEN": dev.token,
            ])
            #expect(piped.status == 3, "\(piped.stderr)")
            #expect(piped.stdout.contains("cli-42") && piped.stdout.contains("/dev/pts/"), "\(piped.stdout)")
            let ssh = try Shell.run("/bin/sh", ["-c", "echo 'exit 0' | \"$TARMAC\" ssh console -a shell -C 'sh -c \"echo via-ssh; exec sh\"' --json"], environment: [
                "TARMAC": try TestPaths.tarmac, "TARMAC_API_URL": dev.baseURL, "TARMAC_API_TOKEN": dev.token,
            ])
            #expect(ssh.status == 0, "\(ssh.stderr)")
            #expect(ssh.stdout.contains("via-ssh") && ssh.stdout.contains(#""exit_code":0"#), "\(ssh.stdout)")

            // Refusals, each with its status and reason after the upgrade: bad query 400,
            // unknown machine 404 (and 412 for a stopped machine below).
            for (query, machine, status, reason) in [
                ("rows=0", id, 400, "rows must be"), ("term=a%20b", id, 400, "term must be"), ("", "d891d7e1c3e468", 404, "machine not found"),
            ] {
                let refusal = try Self.refusal(dev, app: "shell", id: machine, query: query)
                #expect(refusal?["type"] as? String == "error" && refusal?["status"] as? Int == status, "\(query): \(String(describing: refusal))")
                #expect((refusal?["error"] as? String)?.contains(reason) == true, "\(String(describing: refusal))")
            }
            #expect(try await dev.request("POST", "/v1/apps/shell/machines/\(id)/stop").0 == 200)
            _ = try await dev.wait(app: "shell", id: id, state: "stopped")
            let stopped = try dev.cli(["machine", "console", id, "-a", "shell"])
            #expect(stopped.status != 0 && stopped.stderr.contains("is stopped"), "\(stopped.stderr)")
            let notStarted = try Self.refusal(dev, app: "shell", id: id)
            #expect(notStarted?["status"] as? Int == 412, "\(String(describing: notStarted))")
        }
    }

    @Test("microVM: a shell on a terminal inside the guest, through tarmac-init")
    func microVM() async throws {
        try await DevInstance.with(runtime: .microvm) { dev in
            try dev.importBusybox()
            try await dev.createApp("vmshell")
            let machine = try await dev.createMachine(app: "vmshell", body: ["config": ["image": "busybox-test", "init": ["cmd": ["sleep", "1000"]]]])
            let id = try #require(machine["id"] as? String)
            _ = try await dev.wait(app: "vmshell", id: id, state: "started", timeout: 60)
            try await Self.converse(dev, app: "vmshell", id: id)
            let piped = try Shell.run("/bin/sh", ["-c", "printf 'uname -r; exit 4\\n' | \"$TARMAC\" machine console \(id) -a vmshell"], environment: [
                "TARMAC": try TestPaths.tarmac, "TARMAC_API_URL": dev.baseURL, "TARMAC_API_TOKEN": dev.token,
            ])
            #expect(piped.status == 4, "\(piped.stderr)")
        }
    }
}

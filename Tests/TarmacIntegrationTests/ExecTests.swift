import Foundation
import Testing

/// `exec` end to end: HTTP route and `tarmac machine exec`, on a container machine of a real
/// `tarmac dev`.
@Suite("Exec (real tarmac dev + runc)", .serialized)
struct ExecTests {
    @Test("exec over HTTP and through the CLI: both body forms, stdin, exit codes, signals, timeout, not started")
    func exec() async throws {
        try await DevInstance.with { dev in
            try dev.importBusybox()
            try await dev.createApp("ex")
            let machine = try await dev.createMachine(app: "ex", body: [
                "config": ["image": "busybox-test:latest", "init": ["cmd": ["sleep", "1000"]], "guest": ["cpus": 1, "memory_mb": 256]],
            ])
            let id = try #require(machine["id"] as? String)
            _ = try await dev.wait(app: "ex", id: id, state: "started")
            let path = "/v1/apps/ex/machines/\(id)/exec"

            // The spec's argv form.
            let (status, argv) = try await dev.json("POST", path, body: ["command": ["sh", "-c", "echo out; echo err >&2; exit 3"]])
            #expect(status == 200)
            #expect(argv?["exit_code"] as? Int == 3)
            #expect(argv?["exit_signal"] as? Int == 0)
            #expect(argv?["stdout"] as? String == "out\n")
            #expect(argv?["stderr"] as? String == "err\n")

            // flyctl's deprecated cmd string, split like a shell, with stdin.
            let (_, cmd) = try await dev.json("POST", path, body: ["cmd": "sh -c 'read line; echo \"got $line\"'", "stdin": "hello\n"])
            #expect(cmd?["stdout"] as? String == "got hello\n")
            #expect(cmd?["exit_code"] as? Int == 0)

            // Killed by a signal; killed at its timeout.
            let (_, signalled) = try await dev.json("POST", path, body: ["command": ["sh", "-c", "kill -TERM $$"]])
            #expect(signalled?["exit_signal"] as? Int == 15)
            #expect(signalled?["exit_code"] as? Int == 143)
            let started = ContinuousClock.now
            let (_, timedOut) = try await dev.json("POST", path, body: ["command": ["sleep", "60"], "timeout": 1])
            #expect(timedOut?["timed_out"] as? Bool == true)
            #expect(timedOut?["exit_signal"] as? Int == 9)
            #expect(ContinuousClock.now - started < .seconds(15))

            // Bad bodies.
            #expect(try await dev.request("POST", path, body: ["cmd": "echo 'open"]).0 == 400)
            #expect(try await dev.request("POST", path, body: ["command": [String]()]).0 == 400)
            #expect(try await dev.request("POST", path, body: ["command": ["true"], "timeout": 0]).0 == 400)
            #expect(try await dev.request("POST", "/v1/apps/ex/machines/00000000000000/exec", body: ["command": ["true"]]).0 == 404)

            // The CLI: output on the matching streams, the command's exit status.
            let cli = try dev.cli(["machine", "exec", id, "-a", "ex", "--", "sh", "-c", "echo to-out; echo to-err >&2; exit 7"])
            #expect(cli.status == 7)
            #expect(cli.stdout == "to-out\n")
            #expect(cli.stderr == "to-err\n")
            let json = try dev.cli(["machine", "exec", id, "-a", "ex", "--json", "--", "echo", "two words"])
            #expect(json.status == 0)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["stdout"] as? String == "two words\n")
            let file = dev.dataDirectory.appendingPathComponent("stdin.txt")
            try Data("from a file".utf8).write(to: file)
            let fromFile = try dev.cli(["machine", "exec", id, "-a", "ex", "--stdin-file", file.path, "--", "cat"])
            #expect(fromFile.stdout == "from a file")
            let piped = try Shell.run("/bin/sh", ["-c", "printf piped | \"$TARMAC\" machine exec \"$ID\" -a ex -i -- sh -c 'tr a-z A-Z'"], environment: [
                "TARMAC": try TestPaths.tarmac, "ID": id, "TARMAC_API_URL": dev.baseURL, "TARMAC_API_TOKEN": dev.token,
            ])
            #expect(piped.status == 0, "\(piped.stderr)")
            #expect(piped.stdout == "PIPED")
            let slow = try dev.cli(["machine", "exec", id, "-a", "ex", "--timeout", "1", "--", "sleep", "30"])
            #expect(slow.status == 124)
            #expect(slow.stderr.contains("was killed"))
            let usage = try dev.cli(["machine", "exec", id, "-a", "ex"])
            #expect(usage.status == 64)

            // A stopped machine: 412 over HTTP, exit 1 with the server's message in the CLI.
            _ = try await dev.request("POST", "/v1/apps/ex/machines/\(id)/stop", body: ["signal": "SIGKILL"])
            _ = try await dev.wait(app: "ex", id: id, state: "stopped")
            let (stoppedStatus, stopped) = try await dev.json("POST", path, body: ["command": ["true"]])
            #expect(stoppedStatus == 412)
            #expect((stopped?["error"] as? String)?.contains("machine is stopped; start it first") == true)
            let refused = try dev.cli(["machine", "exec", id, "-a", "ex", "--", "true"])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("start it first"))

            _ = try await dev.request("DELETE", "/v1/apps/ex/machines/\(id)?force=true")
        }
    }
}

import Foundation
import TarmacClient
import TarmacModel
import Testing
@testable import TarmacCLI

@Suite struct MachineExecCommandTests {
    @Test func parsesTheCommandAfterTheTerminator() throws {
        let command = try MachineExecCommand.parse(["abc", "-a", "web", "--timeout", "2m", "--", "ls", "-l", "--color", "/"])
        #expect(command.id == "abc")
        #expect(command.command == ["ls", "-l", "--color", "/"])
        #expect(try command.timeoutSeconds() == 120)
        #expect(try command.input() == nil)
        let plain = try MachineExecCommand.parse(["abc", "-a", "web", "--", "true"])
        #expect(try plain.timeoutSeconds() == nil)
        #expect(try MachineExecCommand.parse(["abc", "-a", "web", "--timeout", "1.5", "--", "true"]).timeoutSeconds() == 2)
    }

    @Test(arguments: [
        ["abc", "-a", "web"],
        ["abc", "-a", "web", "--"],
        ["abc", "-a", "web", "--timeout", "0", "--", "ls"],
        ["abc", "-a", "web", "--timeout", "2h", "--", "ls"],
        ["abc", "-a", "web", "--timeout", "soon", "--", "ls"],
        ["abc", "-a", "web", "-i", "--stdin-file", "x", "--", "cat"],
    ])
    func rejects(arguments: [String]) {
        #expect(throws: (any Error).self) { _ = try MachineExecCommand.parse(arguments) }
    }

    @Test func readsStdinFromAFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("exec-stdin-\(UUID().uuidString)")
        try Data("line 1\nline 2\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let command = try MachineExecCommand.parse(["abc", "-a", "web", "--stdin-file", file.path, "--", "cat"])
        #expect(try command.input() == "line 1\nline 2\n")
        let missing = try MachineExecCommand.parse(["abc", "-a", "web", "--stdin-file", "/no/such/file", "--", "cat"])
        #expect(throws: (any Error).self) { _ = try missing.input() }
    }

    @Test func buildsTheRequest() throws {
        let request = try APIRequest.execMachine(app: "web", id: "abc", MachineExecRequest(command: ["ls", "-l"], stdin: "in", timeout: 90))
        #expect(request.method == .post)
        #expect(request.path == "/v1/apps/web/machines/abc/exec")
        #expect(request.timeout == .seconds(120))
        let data = try #require(request.body)
        let body = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(body["command"] as? [String] == ["ls", "-l"])
        #expect(body["stdin"] as? String == "in")
        #expect(body["timeout"] as? Int == 90)
        #expect(body["cmd"] == nil)
        #expect(try APIRequest.execMachine(app: "web", id: "abc", MachineExecRequest(command: ["ls"])).timeout == .seconds(60))
    }

    @Test func decodesTheAnswer() throws {
        let answer = try JSONDecoder().decode(MachineExecResponse.self, from: Data(#"{"exit_code":143,"exit_signal":15,"stdout":"a","stderr":"b"}"#.utf8))
        #expect(answer.shellStatus == 143)
        #expect(answer.timedOut == nil)
        // A server that reports only the signal still gives the shell's status.
        let bare = try JSONDecoder().decode(MachineExecResponse.self, from: Data(#"{"exit_code":0,"exit_signal":9}"#.utf8))
        #expect(bare.shellStatus == 137)
        #expect(bare.stdout == "")
    }
}

extension MachineExecCommandTests {
    @Test func stdinFlags() throws {
        #expect(try MachineExecCommand.parse(["abc", "-a", "web", "-i", "--", "cat"]).readStdin)
        #expect(try MachineExecCommand.parse(["abc", "-a", "web", "--stdin", "--", "cat"]).readStdin)
        #expect(try MachineExecCommand.parse(["abc", "-a", "web", "--stdin-file", "-", "--", "cat"]).stdinFile == "-")
    }
}

import TarmacModel
import Testing
@testable import TarmacCLI

@Suite struct ArgumentParsingTests {
    @Test func keyValues() throws {
        #expect(try ArgumentParsing.keyValues(["A=1", "B=", "C=x=y", "A=2"], flag: "--env") == ["A": "2", "B": "", "C": "x=y"])
        #expect(try ArgumentParsing.keyValues([], flag: "--env") == [:])
        #expect(try ArgumentParsing.keyValues(["URL=http://h/?a=b c"], flag: "--env") == ["URL": "http://h/?a=b c"])
    }

    @Test(arguments: ["A", "=1", "", "A B=1"])
    func badKeyValues(item: String) {
        #expect(throws: (any Error).self) { try ArgumentParsing.keyValues([item], flag: "--env") }
    }

    @Test(arguments: [
        ("30", 30_000_000_000), ("2.5", 2_500_000_000), ("30s", 30_000_000_000), ("1m30s", 90_000_000_000),
        ("500ms", 500_000_000), ("5m", 300_000_000_000), ("0", 0), ("1h", 3_600_000_000_000),
    ] as [(String, Int64)])
    func durations(text: String, nanoseconds: Int64) throws {
        #expect(try ArgumentParsing.duration(text, flag: "--timeout").nanoseconds == nanoseconds)
    }

    @Test(arguments: ["", "abc", "10x", "-5s", "-1", "inf", "nan", "s"])
    func badDurations(text: String) {
        #expect(throws: (any Error).self) { try ArgumentParsing.duration(text, flag: "--timeout") }
    }

    @Test(arguments: [
        ("httpd -f -p 8080", ["httpd", "-f", "-p", "8080"]),
        ("  spaced   out  ", ["spaced", "out"]),
        ("sh -c 'echo hello world'", ["sh", "-c", "echo hello world"]),
        (#"sh -c "echo \"hi\" \$HOME""#, ["sh", "-c", #"echo "hi" $HOME"#]),
        (#"a\ b c"#, ["a b", "c"]),
        (#"say "it's""#, ["say", "it's"]),
        ("empty '' arg", ["empty", "", "arg"]),
        (#"keep "\n" backslash"#, ["keep", #"\n"#, "backslash"]),
        ("", []),
    ] as [(String, [String])])
    func shellWords(text: String, words: [String]) throws {
        #expect(try ArgumentParsing.shellWords(text, flag: "--cmd") == words)
    }

    @Test(arguments: ["'open", #""open"#, #"trailing\"#])
    func badShellWords(text: String) {
        #expect(throws: (any Error).self) { try ArgumentParsing.shellWords(text, flag: "--cmd") }
    }

    @Test func signals() throws {
        #expect(try ArgumentParsing.signal("SIGTERM") == .sigterm)
        #expect(try ArgumentParsing.signal("term") == .sigterm)
        #expect(try ArgumentParsing.signal("9") == .sigkill)
        #expect(try ArgumentParsing.signal("usr1").name == "SIGUSR1")
        #expect(throws: (any Error).self) { try ArgumentParsing.signal("SIGNOPE") }
        #expect(throws: (any Error).self) { try ArgumentParsing.signal("99") }
    }

    @Test func restartPolicies() throws {
        #expect(try ArgumentParsing.restartPolicy("no") == .no)
        #expect(try ArgumentParsing.restartPolicy("always") == .always)
        #expect(try ArgumentParsing.restartPolicy("On-Failure") == .onFailure)
        #expect(throws: (any Error).self) { try ArgumentParsing.restartPolicy("sometimes") }
    }
}

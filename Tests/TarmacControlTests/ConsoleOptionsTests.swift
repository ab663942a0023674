import Testing
import TarmacControl

@Suite("ConsoleOptions")
struct ConsoleOptionsTests {
    @Test("defaults: a shell on a 24 × 80 xterm-256color terminal as root; a command is split like a shell does")
    func defaults() throws {
        let plain = try ConsoleOptions(command: nil, user: nil, rows: nil, columns: nil, term: nil)
        #expect(plain.request.command == ["/bin/sh"] && plain.request.user == nil)
        #expect(plain.request.rows == 24 && plain.request.columns == 80 && plain.request.environment == ["TERM=xterm-256color"])
        let custom = try ConsoleOptions(command: "sh -c 'echo \"a b\"'", user: "1000:1000", rows: "50", columns: "1000", term: "screen.xterm-256color")
        #expect(custom.request.command == ["sh", "-c", "echo \"a b\""])
        #expect(custom.request.user == "1000:1000" && custom.request.rows == 50 && custom.request.columns == 1000)
        #expect(custom.request.environment == ["TERM=screen.xterm-256color"])
    }

    @Test("bad values are refused naming the field", arguments: [
        ("command", "sh -c 'unterminated"), ("command", "''"), ("rows", "0"), ("rows", "1001"), ("rows", "x"), ("cols", "-3"),
        ("term", "a b"), ("term", "$(reboot)"), ("user", "a/b"), ("user", "root admin"),
    ])
    func refusals(field: String, value: String) {
        let error = #expect(throws: ControlError.self) {
            _ = try ConsoleOptions(
                command: field == "command" ? value : nil, user: field == "user" ? value : nil, rows: field == "rows" ? value : nil,
                columns: field == "cols" ? value : nil, term: field == "term" ? value : nil)
        }
        #expect(error?.code == .badRequest)
        #expect(error?.message.contains(field) == true, "\(error?.message ?? "")")
    }
}

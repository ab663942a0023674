import Foundation
import Testing
import TarmacModel

@Suite("MachineSignal")
struct MachineSignalTests {
    @Test("parses names with and without SIG, any case, and numbers", arguments: [
        ("SIGTERM", 15), ("TERM", 15), ("sigterm", 15), ("term", 15), ("SIGKILL", 9), ("KILL", 9),
        ("SIGINT", 2), ("SIGHUP", 1), ("SIGQUIT", 3), ("SIGUSR1", 10), ("SIGUSR2", 12), ("SIGABRT", 6),
        ("SIGALRM", 14), ("SIGPIPE", 13), ("SIGSEGV", 11), ("SIGTRAP", 5), ("SIGFPE", 8), ("SIGILL", 4),
        ("9", 9), ("15", 15),
    ] as [(String, Int32)])
    func parses(name: String, number: Int32) {
        #expect(MachineSignal(name: name)?.number == number)
    }

    @Test("rejects unknown names and numbers", arguments: ["SIGFOO", "FOO", "", "SIG", "99", "0", "-9", "SIG9"])
    func rejects(name: String) {
        #expect(MachineSignal(name: name) == nil)
    }

    @Test("names and descriptions")
    func names() {
        #expect(MachineSignal.sigterm.name == "SIGTERM")
        #expect(MachineSignal.sigkill.name == "SIGKILL")
        #expect(MachineSignal.sigint.name == "SIGINT")
        #expect(MachineSignal(number: 15).description == "SIGTERM")
        #expect(MachineSignal(number: 33).name == "SIG33")
    }

    struct Body: Codable, Equatable {
        var signal: MachineSignal
    }

    @Test("decodes strings and integers", arguments: [
        (#"{"signal":"SIGTERM"}"#, 15), (#"{"signal":"TERM"}"#, 15), (#"{"signal":9}"#, 9), (#"{"signal":"9"}"#, 9), (#"{"signal":"sigusr1"}"#, 10),
    ] as [(String, Int32)])
    func decodes(json: String, number: Int32) throws {
        #expect(try JSONDecoder().decode(Body.self, from: Data(json.utf8)).signal.number == number)
    }

    @Test("unknown signals fail to decode", arguments: [#"{"signal":"SIGFOO"}"#, #"{"signal":99}"#, #"{"signal":0}"#, #"{"signal":true}"#, #"{"signal":""}"#])
    func decodingFails(json: String) {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Body.self, from: Data(json.utf8))
        }
    }

    @Test("encodes as the signal name")
    func encodes() throws {
        let data = try JSONEncoder().encode(Body(signal: MachineSignal(number: 9)))
        #expect(String(decoding: data, as: UTF8.self) == #"{"signal":"SIGKILL"}"#)
    }
}

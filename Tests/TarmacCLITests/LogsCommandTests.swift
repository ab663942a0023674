import Foundation
import TarmacClient
import TarmacModel
import Testing
@testable import TarmacCLI

@Suite("tarmac logs")
struct LogsCommandTests {
    static let line = LogLine(timestamp: "2027-01-15T08:00:00.000000042Z", machineID: "d891d7e1c3e468", region: "ams", number: 7, message: "hello \"you\"")

    @Test("text: time, machine, region, message; the machine in a stable colour of its own only when asked")
    func text() {
        #expect(LogLineFormatting(colour: false).text(Self.line) == "2027-01-15T08:00:00.000000042Z machine[d891d7e1c3e468] ams hello \"you\"")
        let code = LogLineFormatting.colourCode(for: Self.line.machineID)
        #expect(LogLineFormatting(colour: true).text(Self.line).contains("\u{1b}[\(code)mmachine[d891d7e1c3e468]\u{1b}[0m"))
        #expect(LogLineFormatting.colourCode(for: "d891d7e1c3e468") == code, "the same in every run")
        let codes = Set((0..<40).map { _ in LogLineFormatting.colourCode(for: Identifiers.machineID()) })
        #expect(codes.count > 3, "machines spread over the palette")
        #expect(!LogLineFormatting.forStandardOutput(environment: ["NO_COLOR": "1"]).colour)
    }

    @Test("--json: one object per line with the API's field names")
    func json() throws {
        let text = LogLineFormatting.json(Self.line)
        #expect(!text.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["machine_id"] as? String == "d891d7e1c3e468" && object["number"] as? Int == 7)
    }

    @Test("the request: filters as query items, follow as a flag")
    func request() {
        let plain = APIRequest.appLogs(app: "web")
        #expect(plain.path == "/tarmac/v1/apps/web/logs" && plain.queryString.isEmpty)
        let all = APIRequest.appLogs(app: "web", LogOptions(machineID: "m1", region: "ams", since: "10m", limit: 5), follow: true)
        #expect(all.queryString == "machine=m1&region=ams&since=10m&limit=5&follow=true")
    }

    @Test("bad --limit is refused before any request", arguments: ["0", "10001", "x"])
    func badLimit(_ value: String) {
        #expect(throws: (any Error).self) { _ = try LogsCommand.parse(["-a", "web", "--limit", value]) }
    }
}

import ArgumentParser
import Testing
@testable import TarmacCLI

@Suite struct FollowAndPsCommandTests {
    @Test func eventsFollowTakesALimitUpTo500() throws {
        #expect(try EventsCommand.parse(["-a", "web", "-f", "--limit", "500"]).follow)
        #expect(throws: (any Error).self) { try EventsCommand.parse(["-a", "web", "-f", "--limit", "501"]) }
        #expect(throws: (any Error).self) { try EventsCommand.parse(["-a", "web", "--limit", "0"]) }
        #expect(try EventsCommand.parse(["-a", "web", "--limit", "501"]).follow == false) // without -f the server caps it
    }

    @Test func psSortKeysAreChecked() throws {
        #expect(try MachinePsCommand.parse(["abc", "-a", "web", "--sort-by", "RSS", "--desc"]).descending)
        let error = #expect(throws: (any Error).self) { try MachinePsCommand.parse(["abc", "-a", "web", "--sort-by", "colour"]) }
        #expect(MachinePsCommand.message(for: try #require(error)).contains("--sort-by must be one of pid, stime"))
    }
}

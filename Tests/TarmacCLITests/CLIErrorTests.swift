import TarmacClient
import Testing
@testable import TarmacCLI

@Suite struct CLIErrorTests {
    @Test func exitCodes() {
        #expect(CLIError(ClientError(code: .server, message: "machine not found", httpStatus: 404)).exitCode == 1)
        #expect(CLIError(ClientError(code: .server, message: "machine failed to reach desired state", httpStatus: 408)).exitCode == 2)
        #expect(CLIError(ClientError(code: .timeout, message: "timed out")).exitCode == 2)
        #expect(CLIError(ClientError(code: .unreachable, message: "cannot reach")).exitCode == 3)
        #expect(CLIError(ClientError(code: .invalidRequest, message: "invalid API URL")).exitCode == 64)
        #expect(CLIError(ClientError(code: .decoding, message: "unexpected answer")).exitCode == 1)
    }

    @Test func messagesAreShownVerbatim() {
        let error = CLIError(ClientError(code: .server, message: "machine not found", httpStatus: 404))
        #expect(error.renderedLines == ["Error: machine not found"])
        let unauthorized = CLIError(ClientError(code: .server, message: "Authenticate: token validation error", httpStatus: 401))
        #expect(unauthorized.renderedLines.first == "Error: Authenticate: token validation error")
        #expect(unauthorized.renderedLines.count == 2)
    }

    @Test func pollSlicing() {
        #expect(MachineWaiter.nextPollSeconds(remaining: .seconds(300)) == 60)
        #expect(MachineWaiter.nextPollSeconds(remaining: .seconds(60)) == 60)
        #expect(MachineWaiter.nextPollSeconds(remaining: .seconds(42)) == 42)
        #expect(MachineWaiter.nextPollSeconds(remaining: .milliseconds(41_200)) == 42)
        #expect(MachineWaiter.nextPollSeconds(remaining: .milliseconds(300)) == 1)
        #expect(MachineWaiter.nextPollSeconds(remaining: .zero) == nil)
        #expect(MachineWaiter.nextPollSeconds(remaining: .seconds(-1)) == nil)
    }
}

import Logging
@testable import TarmacCLI
import Testing

/// `tarmac dev --runtime`: what happens when the microVM guest is not there.
struct DevRuntimeSelectionTests {
    func settings(_ runtime: RuntimeChoice, guest: String) throws -> DevSettings {
        try DevSettings(dataDirectory: "/tmp/tarmac-dev-selection", apiListen: "127.0.0.1:4280", region: "local", runtime: runtime,
                        subnet: "172.30.0.0/16", bridge: "tarmac0", resourcePrefix: "tarmac", guestDirectory: guest)
    }

    @Test func forcedMicroVMWithoutGuestSaysHowToBuildIt() async throws {
        let selection = RuntimeSelection(settings: try settings(.microvm, guest: "/nonexistent/guest").agentHost, logger: Logger(label: "tests"))
        await #expect {
            _ = try await selection.choose(root: "/tmp/tarmac-dev-selection", layers: { _ in [] })
        } throws: { error in
            "\(error)".contains("scripts/build-guest.sh") && "\(error)".contains("/nonexistent/guest")
        }
    }

    @Test func guestDirectoryOptionIsStandardized() throws {
        #expect(try settings(.auto, guest: "/var/lib/tarmac/../tarmac/guest/").guestDirectory == "/var/lib/tarmac/guest")
    }
}

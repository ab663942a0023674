import Foundation
import Testing
@testable import TarmacImage

@Suite("ExternalProcess: streamed programs for the image store")
struct ExternalProcessTests {
    @Test("stdout reaches the consumer in order and completely")
    func streamsEverything() async throws {
        var received = Data()
        try await ExternalProcess.checked("sh", ["-c", "seq 1 200000"], what: "counting") { received.append($0) }
        let lines = String(decoding: received, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 200_000)
        #expect(lines.first == "1")
        #expect(lines.last == "200000")
    }

    @Test("a failure names the step, the program, its status and the end of its stderr")
    func failureText() async throws {
        let error = await #expect(throws: ImageError.self) {
            try await ExternalProcess.checked("sh", ["-c", "echo partial; echo 'tar: cannot open' >&2; exit 2"], what: "packing /x") { _ in }
        }
        #expect(error?.code == .toolFailed)
        #expect(error?.message == "packing /x failed: sh exited with status 2: tar: cannot open")
    }

    @Test("a missing program is toolFailed with the install hint")
    func missingProgram() async throws {
        let error = await #expect(throws: ImageError.self) {
            try await ExternalProcess.checked("tarmac-no-such-tool", [], what: "x") { _ in }
        }
        #expect(error?.code == .toolFailed)
        #expect(error?.message.contains("apt-get install tarmac-no-such-tool") == true)
    }

    @Test("the consumer's error comes back and the program is ended, not waited for")
    func consumerError() async throws {
        struct DiskFull: Error {}
        let start = ContinuousClock.now
        await #expect(throws: DiskFull.self) {
            try await ExternalProcess.checked("yes", [], what: "x") { _ in throw DiskFull() }
        }
        // `yes` never ends by itself; generous for parallel test load.
        #expect(ContinuousClock.now - start < .seconds(10))
    }
}

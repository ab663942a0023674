import Testing
@testable import TarmacRuntime

/// Exec output is capped the same way on both runtimes.
struct BoundedOutputTests {
    @Test func shortOutputIsKeptWhole() {
        #expect(BoundedOutput(limit: 8, bytes: Array("hello\n".utf8)).text == "hello\n")
    }

    @Test func longOutputIsCutWithAMarker() {
        let output = BoundedOutput(limit: 4, bytes: Array("abcdefgh".utf8))
        #expect(output.dropped == 4)
        #expect(output.text == "abcd\n[tarmac: output truncated: 4 more bytes after the first 4]\n")
    }
}

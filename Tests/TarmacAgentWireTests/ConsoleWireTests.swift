import Foundation
import NIOCore
import Testing
import TarmacAgentProtocol
@testable import TarmacAgentWire

/// A console over the real agent wire (Hummingbird server, AsyncHTTPClient, a unix socket):
/// both directions stream at once, refusals arrive as errors, frames decode strictly.
@Suite("Agent wire: console")
struct ConsoleWireTests {
    static func text(_ event: AgentConsoleOutput?) -> String {
        if case .output(let bytes)? = event { return String(decoding: bytes, as: UTF8.self) }
        return "\(String(describing: event))"
    }

    @Test("keystrokes, resizes and the hang-up go in while the terminal streams out; the exit comes last")
    func session() async throws {
        let agent = FakeAgent()
        try await WireHarness.withServer(agent: agent, token: AgentToken("console-token")) { socket in
            let client = HTTPAgentClient(endpoint: .unixSocket(path: socket), token: AgentToken("console-token"))
            let request = AgentConsoleRequest(command: ["sh", "-l"], environment: ["TERM=xterm-256color", "A=ü"], user: "1000", rows: 50, columns: 132)
            let session = try await client.openConsole(Answers.plainID, request)
            var events = session.events.makeAsyncIterator()
            #expect(Self.text(try await events.next()) == "ready 50x132\r\n")
            session.write(Array("echo ü\r".utf8))
            #expect(Self.text(try await events.next()) == "ECHO Ü\r")
            session.resize(rows: 10, columns: 20)
            #expect(Self.text(try await events.next()) == "resized 10x20\r\n")
            let big = [UInt8](repeating: UInt8(ascii: "a"), count: 200_000)
            session.write(big)
            var received = 0
            while received < big.count, case .output(let bytes)? = try await events.next() { received += bytes.count }
            #expect(received == big.count, "a paste larger than a frame arrives whole")
            session.hangUp()
            #expect(try await events.next() == .exit(code: 7, signal: 0))
            #expect(try await events.next() == nil)
            #expect(agent.calls.contains { $0.call == .console(Answers.plainID, request) })
        }
    }

    @Test("an unknown machine is refused before any stream starts")
    func refusal() async throws {
        let agent = FakeAgent()
        try await WireHarness.withServer(agent: agent, token: nil) { socket in
            let client = HTTPAgentClient(endpoint: .unixSocket(path: socket), token: nil)
            let error = await #expect(throws: AgentError.self) {
                _ = try await client.openConsole("d891d7e1c3e469", AgentConsoleRequest(command: ["sh"]))
            }
            #expect(error?.kind == .notFound)
        }
    }

    @Test("frames: split anywhere they reassemble; unknown types, oversized frames and wrong sizes are refused")
    func frames() throws {
        var stream = ByteBuffer()
        var inputs = [ConsoleFrames.encode(.input(Array("hi".utf8))), ConsoleFrames.encode(.resize(rows: 300, columns: 1000)), ConsoleFrames.encode(.hangUp)]
        for index in inputs.indices { stream.writeBuffer(&inputs[index]) }
        var decoder = ConsoleFrames.Decoder()
        var decoded: [ConsoleFrames.Input] = []
        for byte in stream.readableBytesView {
            decoder.append(ByteBuffer(bytes: [byte]))
            while let frame = try decoder.next() { decoded.append(try ConsoleFrames.input(frame.kind, frame.payload)) }
        }
        #expect(decoded == [.input(Array("hi".utf8)), .resize(rows: 300, columns: 1000), .hangUp])
        var exit = ConsoleFrames.encode(AgentConsoleOutput.exit(code: -1, signal: 9))
        var exitDecoder = ConsoleFrames.Decoder()
        exitDecoder.append(exit)
        let frame = try #require(try exitDecoder.next())
        #expect(try ConsoleFrames.output(frame.kind, frame.payload) == .exit(code: -1, signal: 9))
        _ = exit.readBytes(length: 1)

        var unknown = ConsoleFrames.Decoder()
        unknown.append(ByteBuffer(bytes: [99, 0, 0, 0, 0]))
        #expect(throws: AgentError.self) { _ = try unknown.next() }
        var huge = ConsoleFrames.Decoder()
        huge.append(ByteBuffer(bytes: [1, 0x7F, 0xFF, 0xFF, 0xFF]))
        #expect(throws: AgentError.self) { _ = try huge.next() }
        #expect(throws: AgentError.self) { _ = try ConsoleFrames.input(.resize, [1, 2]) }
        #expect(throws: AgentError.self) { _ = try ConsoleFrames.input(.output, []) }
        #expect(throws: AgentError.self) { _ = try ConsoleFrames.output(.hangUp, []) }
    }
}

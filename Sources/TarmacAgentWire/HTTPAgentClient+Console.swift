import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TarmacAgentProtocol

extension HTTPAgentClient {
    /// One streaming exchange for the whole session: the request body carries the keyboard
    /// frames, the response body the terminal's (see `AgentRouter.console`). The exchange has
    /// no deadline; it ends when the session does.
    public func openConsole(_ machineID: String, _ request: AgentConsoleRequest) async throws -> AgentConsoleSession {
        let (keys, keyboard) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .unbounded)
        var http = AgentWireRequest(method: .POST, path: AgentRoute.console.path(machineID: machineID))
        http.headers.add(name: AgentRoute.consoleRequestHeader, value: try JSONEncoder().encode(request).base64EncodedString())
        addHeaders(&http)
        http.body = .stream(keys)
        let response: AgentWireResponse
        do {
            response = try await transport.execute(http, deadline: nil)
        } catch {
            keyboard.finish()
            throw AgentError(.unavailable, "the machine's host agent is unreachable (\(error)); it may be restarting, try again")
        }
        do {
            try Self.checkVersion(response.headers.first(name: AgentWireVersion.headerName))
            guard response.status == 200 else {
                let body = try await response.collect(upTo: Self.maximumResponseBytes)
                throw Self.error(status: response.status, body: Data(body.readableBytesView))
            }
        } catch {
            keyboard.finish()
            throw error
        }
        let terminal = ConsoleFrameReader(response.body.makeAsyncIterator())
        return AgentConsoleSession(
            events: AsyncThrowingStream(unfolding: {
                do {
                    guard let event = try await terminal.next() else {
                        keyboard.finish()
                        return nil
                    }
                    return event
                } catch {
                    keyboard.finish()
                    throw error
                }
            }),
            write: { bytes in
                var rest = bytes[...]
                while !rest.isEmpty {
                    keyboard.yield(ConsoleFrames.encode(.input(Array(rest.prefix(64 << 10)))))
                    rest = rest.dropFirst(64 << 10)
                }
            },
            resize: { keyboard.yield(ConsoleFrames.encode(.resize(rows: $0, columns: $1))) },
            hangUp: { keyboard.yield(ConsoleFrames.encode(.hangUp)) })
    }
}

/// Decodes the terminal frames of a console's response body. Used by that session's one
/// reader only (through `AsyncThrowingStream(unfolding:)`), one call at a time, which is what
/// makes sharing the iterator sound.
final class ConsoleFrameReader: @unchecked Sendable {
    private var body: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator
    private var decoder = ConsoleFrames.Decoder()

    init(_ body: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator) { self.body = body }

    func next() async throws -> AgentConsoleOutput? {
        while true {
            if let frame = try decoder.next() { return try ConsoleFrames.output(frame.kind, frame.payload) }
            guard let buffer = try await body.next() else { return nil }
            decoder.append(buffer)
        }
    }
}

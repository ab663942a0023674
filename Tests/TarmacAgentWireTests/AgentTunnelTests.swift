import Foundation
import NIOCore
import Testing
import TarmacAgentProtocol
@testable import TarmacAgentWire

/// The agent's dial-out tunnel (`AgentUplink` → `AgentTunnelRouter` → `AgentTunnel`), real
/// on both ends: every route, errors, a console, concurrency, refusals, reconnects.
@Suite("Agent wire: the dial-out tunnel")
struct AgentTunnelTests {
    @Test("every route carries its arguments and answer through the tunnel")
    func everyRoute() async throws {
        let agent = FakeAgent()
        try await TunnelHarness.withTunnel(agent: agent) { tunnels in
            let tunnel = try await tunnels.next()
            try await AgentWireRoundTripTests.exerciseEveryRoute(HTTPAgentClient(transport: tunnel, token: nil), agent: agent)
            #expect(tunnels.registrations.withLock { $0 } == [TunnelHarness.registration])
        }
    }

    @Test("the agent's errors keep their kind and message through the tunnel", arguments: AgentErrorKinds.all)
    func errors(kind: AgentError.Kind) async throws {
        let agent = FakeAgent()
        let sent = AgentError(kind, "\(kind.rawValue): ü \"quoted\"")
        agent.fail(with: sent)
        try await TunnelHarness.withTunnel(agent: agent) { tunnels in
            let client = HTTPAgentClient(transport: try await tunnels.next(), token: nil)
            let received = await #expect(throws: AgentError.self) { try await client.info() }
            #expect(received?.kind == kind)
            #expect(received?.message == sent.message)
        }
    }

    @Test("many exchanges share the tunnel at once, long-polls beside short calls")
    func concurrentExchanges() async throws {
        let agent = FakeAgent(holdsLongPolls: true)
        try await TunnelHarness.withTunnel(agent: agent) { tunnels in
            let client = HTTPAgentClient(transport: try await tunnels.next(), token: nil)
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { _ = try await client.updates(after: 0, timeout: .seconds(2)) }
                for _ in 0..<50 {
                    group.addTask {
                        let info = try await client.info()
                        #expect(info == agent.answers.info)
                    }
                }
                try await group.waitForAll()
            }
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test("a console streams both ways through the tunnel, a large paste included")
    func console() async throws {
        let agent = FakeAgent()
        try await TunnelHarness.withTunnel(agent: agent) { tunnels in
            let client = HTTPAgentClient(transport: try await tunnels.next(), token: nil)
            let session = try await client.openConsole(Answers.plainID, AgentConsoleRequest(command: ["sh"], rows: 50, columns: 132))
            var events = session.events.makeAsyncIterator()
            #expect(ConsoleWireTests.text(try await events.next()) == "ready 50x132\r\n")
            session.write(Array("echo ü\r".utf8))
            #expect(ConsoleWireTests.text(try await events.next()) == "ECHO Ü\r")
            let big = [UInt8](repeating: UInt8(ascii: "a"), count: 600_000)
            session.write(big)
            var received = 0
            while received < big.count, case .output(let bytes)? = try await events.next() { received += bytes.count }
            #expect(received == big.count)
            session.hangUp()
            #expect(try await events.next() == .exit(code: 7, signal: 0))
        }
    }

    @Test("a wrong agent token is refused and no tunnel opens")
    func wrongToken() async throws {
        _ = try await TunnelHarness.withTunnel(agent: FakeAgent(), uplinkToken: AgentToken("wrong")) { tunnels in
            await #expect(throws: HarnessError.self) { _ = try await tunnels.next(timeout: .seconds(2)) }
        }
    }

    @Test("a registration with a bad host id or no capacity is refused with the reason")
    func badRegistration() async throws {
        let registration = {
            var registration = TunnelHarness.registration
            registration.hostID = "../Host"
            registration.capacity.memoryMB = 0
            return registration
        }()
        #expect(registration.problems.count == 2)
        try await TunnelHarness.withTunnel(agent: FakeAgent(), registration: registration) { tunnels in
            await #expect(throws: HarnessError.self) { _ = try await tunnels.next(timeout: .seconds(2)) }
            let encoded = try JSONEncoder().encode(registration).base64EncodedString()
            let answer = try await WireHarness.rawTCPRequest(port: tunnels.port, path: AgentTunnelRouter.connectPath, headers: [
                ("tarmac-agent-protocol", "1.0"), ("authorization", "Bearer \(TunnelHarness.clusterToken.value)"),
                (AgentTunnelRouter.registrationHeader, encoded),
            ])
            #expect(answer.status == 422)
            let text = String(decoding: answer.body, as: UTF8.self)
            #expect(text.contains("host id") && text.contains("memory_mb"), "\(text)")
        }
    }

    @Test("closing the tunnel fails its open exchanges at once; the agent dials again")
    func reconnect() async throws {
        let agent = FakeAgent(holdsLongPolls: true)
        try await TunnelHarness.withTunnel(agent: agent) { tunnels in
            let first = try await tunnels.next()
            let client = HTTPAgentClient(transport: first, token: nil)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let error = await #expect(throws: AgentError.self) { _ = try await client.updates(after: 0, timeout: .seconds(30)) }
                    #expect(error?.kind == .unavailable)
                }
                try await Task.sleep(for: .milliseconds(200))
                first.close("test cut")
                try await group.waitForAll()
            }
            let second = try await tunnels.next()
            #expect(try await HTTPAgentClient(transport: second, token: nil).info() == agent.answers.info)
            #expect(tunnels.ends.withLock { $0 }.first == "test cut")
            let closed = await #expect(throws: AgentError.self) { _ = try await client.info() }
            #expect(closed?.kind == .unavailable)
        }
    }

    @Test("a deadline ends the exchange (the agent is told to cancel) and the tunnel stays usable")
    func deadline() async throws {
        let agent = FakeAgent(holdsLongPolls: true)
        try await TunnelHarness.withTunnel(agent: agent) { tunnels in
            let tunnel = try await tunnels.next()
            let started = ContinuousClock.now
            let request = AgentWireRequest(method: .GET, path: AgentRoute.updates.path(query: [("after", "0"), ("timeout", "30")]), headers: ["tarmac-agent-protocol": "1.0"])
            await #expect(throws: AgentTransportError.self) { _ = try await tunnel.execute(request, deadline: .milliseconds(300)) }
            #expect(ContinuousClock.now - started < .seconds(3))
            // The tunnel is still good for the next exchange.
            #expect(try await HTTPAgentClient(transport: tunnel, token: nil).info() == agent.answers.info)
        }
    }

    @Test("frames reassemble when split anywhere; unknown types and oversized frames are refused")
    func frames() throws {
        let frames: [TunnelFrame] = [
            .welcome(TunnelWelcome(heartbeatSeconds: 5)),
            .open(7, TunnelRequestHead(method: "PUT", path: "/agent/v1/machines/x?launch=true", headers: [["a", "b"]], streaming: false)),
            .requestData(7, ByteBuffer(string: "{\"x\":1}")), .requestEnd(7), .cancel(9),
            .responseHead(7, TunnelResponseHead(status: 201, headers: [["content-type", "application/json"]])),
            .responseData(7, ByteBuffer(bytes: [0, 255, 10])), .responseEnd(7), .fail(8, "socket gone ü"), .ping, .pong,
        ]
        var stream = ByteBuffer()
        for frame in frames {
            var encoded = frame.encoded()
            stream.writeBuffer(&encoded)
        }
        for split in [1, 2, 7, 9, 10, 64] {
            var decoder = TunnelFrame.Decoder()
            var decoded: [TunnelFrame] = []
            var rest = stream
            while let piece = rest.readSlice(length: min(split, rest.readableBytes)), piece.readableBytes > 0 {
                decoder.append(piece)
                while let frame = try decoder.next() { decoded.append(frame) }
            }
            #expect(decoded == frames, "split every \(split) bytes")
        }
        var unknown = TunnelFrame.Decoder()
        unknown.append(ByteBuffer(bytes: [99, 0, 0, 0, 1, 0, 0, 0, 0]))
        #expect(throws: AgentTransportError.self) { _ = try unknown.next() }
        var huge = TunnelFrame.Decoder()
        var header = ByteBuffer()
        header.writeInteger(UInt8(12))
        header.writeInteger(UInt32(1))
        header.writeInteger(UInt32(TunnelFrame.maximumPayload + 1))
        huge.append(header)
        #expect(throws: AgentTransportError.self) { _ = try huge.next() }
        var garbled = TunnelFrame.Decoder()
        garbled.append(ByteBuffer(bytes: [11, 0, 0, 0, 1, 0, 0, 0, 2, 0x7B, 0x7B]))
        #expect(throws: AgentTransportError.self) { _ = try garbled.next() }
    }
}

import Testing
import TarmacGuestProtocol

@Suite struct GuestMessageTests {
    @Test func messagesRoundTrip() throws {
        let messages: [GuestMessage] = [
            .hello(version: 1, mainPID: 42),
            .exec(id: 7, GuestExecRequest(args: ["sh", "-c", "echo hi"], env: ["A=b"], workingDirectory: "/tmp", user: "1000:1000", stdin: [1, 2, 3], timeoutMilliseconds: 500)),
            .signal(id: 8, signal: 15),
            .listProcesses(id: 9), .status(id: 10), .poweroff(id: 11),
            .execResult(id: 7, GuestExecResult(exitCode: 3, signal: 0, stdout: Array("out".utf8), stderr: [], timedOut: false)),
            .processes(id: 9, [GuestProcess(pid: 1, command: "/init", directory: "/", rssBytes: 4096, startTicks: 1, cpuTicks: 2)]),
            .mainStatus(id: 10, running: false, pid: 5, exit: GuestExit(exitCode: 0, signal: 9, oomKilled: true, error: nil)),
            .ok(id: 11), .failure(id: 12, message: "nope"),
            .exited(GuestExit(exitCode: 127, signal: 0, oomKilled: false, error: "exec failed")),
            .ttyOpen(id: 13, GuestTTYRequest(args: ["/bin/sh", "-l"], env: ["TERM=xterm"], workingDirectory: "/srv", user: "app", rows: 50, columns: 200)),
            .ttyOpen(id: 14, GuestTTYRequest(args: ["sh"])),
            .ttyInput(id: 13, Array("ls\r".utf8)), .ttyInput(id: 13, []),
            .ttyResize(id: 13, rows: UInt16.max, columns: 1), .ttyClose(id: 13),
            .ttyOutput(id: 13, [0x1B, 0x5B, 0x41, 0xFF]), .ttyExit(id: 13, exitCode: 130, signal: 0), .ttyExit(id: 14, exitCode: 0, signal: 9),
        ]
        var decoder = FrameDecoder()
        for message in messages { decoder.append(message.framed()) }
        for message in messages {
            let payload = try #require(try decoder.next())
            #expect(try GuestMessage(decoding: payload) == message)
        }
        #expect(try decoder.next() == nil)
    }

    @Test func partialFramesWaitForMoreBytes() throws {
        let frame = GuestMessage.signal(id: 1, signal: 2).framed()
        var decoder = FrameDecoder()
        decoder.append(frame.prefix(3))
        #expect(try decoder.next() == nil)
        decoder.append(frame.dropFirst(3))
        #expect(try decoder.next().map { try GuestMessage(decoding: $0) } == .signal(id: 1, signal: 2))
    }

    @Test func truncatedAndUnknownMessagesAreRejected() {
        #expect(throws: GuestProtocolError.self) { try GuestMessage(decoding: [99]) }
        var bytes = GuestMessage.exec(id: 1, GuestExecRequest(args: ["ls"])).encoded()
        bytes.removeLast(3)
        #expect(throws: GuestProtocolError.self) { try GuestMessage(decoding: bytes) }
        var decoder = FrameDecoder()
        decoder.append([0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: GuestProtocolError.self) { try decoder.next() }
    }

    @Test func configRoundTripsAndChecksVersion() throws {
        let config = GuestConfig(args: ["/bin/app", "--port", "8080"], env: ["PATH=/bin"], workingDirectory: "/srv", user: "app", hostname: "m1",
                                 network: GuestNetwork(address: "172.30.0.5", prefixLength: 16, gateway: "172.30.0.1", nameservers: ["1.1.1.1"]),
                                 hosts: ["172.30.0.1 host"], mounts: [GuestMount(device: "/dev/vdb", path: "/data", fsType: "ext4")])
        #expect(try GuestConfig(decoding: config.encoded()) == config)
        var other = config.encoded()
        other[1] = 99
        #expect(throws: GuestProtocolError.self) { try GuestConfig(decoding: other) }
    }
}

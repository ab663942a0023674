import Testing
import TarmacGuestProtocol

@Suite struct GuestStreamDecoderTests {
    private func decodeAll(_ decoder: inout GuestStreamDecoder) throws -> [GuestMessage] {
        var messages: [GuestMessage] = []
        while let payload = decoder.next() { messages.append(try GuestMessage(decoding: payload)) }
        return messages
    }

    @Test func skipsEverythingBeforeTheMarker() throws {
        var decoder = GuestStreamDecoder()
        decoder.append([0, 0, 0, 9, 1, 2, 3] + GuestMessage.ok(id: 1).framed())
        #expect(try decodeAll(&decoder).isEmpty)
        #expect(!decoder.isSynced)
        decoder.append(GuestMessage.hello(version: 1, mainPID: 7).syncFramed() + GuestMessage.ok(id: 2).framed())
        #expect(try decodeAll(&decoder) == [.hello(version: 1, mainPID: 7), .ok(id: 2)])
        #expect(decoder.isSynced)
        #expect(decoder.discardedBytes > 0)
    }

    @Test func findsAMarkerSplitAcrossReads() throws {
        var decoder = GuestStreamDecoder()
        let bytes = [9, 9, 9] + GuestMessage.hello(version: 1, mainPID: 3).syncFramed()
        for byte in bytes { decoder.append([byte]) }
        #expect(try decodeAll(&decoder) == [.hello(version: 1, mainPID: 3)])
    }

    @Test func aMarkerWhereAFrameShouldStartStartsANewSession() throws {
        var decoder = GuestStreamDecoder()
        decoder.append(GuestMessage.hello(version: 1, mainPID: 1).syncFramed() + GuestMessage.ok(id: 1).framed())
        #expect(try decodeAll(&decoder).count == 2)
        // A new peer's hello arrives: the marker is an impossible length, so the decoder resyncs.
        decoder.append(GuestMessage.hello(version: 1, mainPID: 2).syncFramed() + GuestMessage.status(id: 5).framed())
        #expect(try decodeAll(&decoder) == [.hello(version: 1, mainPID: 2), .status(id: 5)])
    }

    @Test func resetDropsAPartialFrame() throws {
        var decoder = GuestStreamDecoder()
        let frame = GuestMessage.exec(id: 1, GuestExecRequest(args: ["sh"])).framed()
        decoder.append(GuestMessage.hello(version: 1, mainPID: 1).syncFramed() + frame.prefix(6))
        #expect(try decodeAll(&decoder) == [.hello(version: 1, mainPID: 1)])
        #expect(decoder.hasPartialFrame)
        decoder.reset()
        decoder.append(GuestMessage.hello(version: 1, mainPID: 9).syncFramed())
        #expect(try decodeAll(&decoder) == [.hello(version: 1, mainPID: 9)])
    }
}

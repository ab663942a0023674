import TarmacClient
import Testing

@Suite struct ServerSentEventParserTests {
    typealias Event = ServerSentEventParser.Event

    @Test func framesInPiecesOfAnySizeWithEveryLineEnding() {
        let stream = Array("retry: 1000\n: events after 3\n\nid: 4\nevent: launch\ndata: {\"a\":1}\n\nid: 5\r\nevent: start\r\ndata: x\r\n\r\nid: 6\revent: exit\rdata: y\r\r".utf8)
        let expected = [Event(id: "4", type: "launch", data: "{\"a\":1}"), Event(id: "5", type: "start", data: "x"), Event(id: "6", type: "exit", data: "y")]
        for size in [1, 2, 7, stream.count] {
            var parser = ServerSentEventParser()
            var events: [Event] = []
            var index = 0
            while index < stream.count {
                events += parser.append(stream[index..<min(index + size, stream.count)])
                index += size
            }
            #expect(events == expected, "pieces of \(size) bytes")
        }
    }

    @Test func dataLinesJoinCommentsAndUnknownFieldsAreSkippedAndTheIdCarriesOver() {
        var parser = ServerSentEventParser()
        let events = parser.append(Array("id: 9\ndata: one\ndata: two\nfoo: bar\n: note\n\ndata:three\n\n: keep-alive\n\n".utf8))
        #expect(events == [Event(id: "9", type: nil, data: "one\ntwo"), Event(id: "9", type: nil, data: "three")])
    }

    @Test func anUnfinishedEventIsNotDelivered() {
        var parser = ServerSentEventParser()
        #expect(parser.append(Array("id: 1\ndata: half".utf8)).isEmpty)
        #expect(parser.append(Array("\n\n".utf8)) == [Event(id: "1", type: nil, data: "half")])
    }

    @Test func tarmacRequestsUseTheirOwnPrefix() {
        let request = APIRequest.tarmac(.get, ["apps", "my app", "events"], query: [.init("tail", "5")])
        #expect(request.url(baseURL: "http://h:1") == "http://h:1/tarmac/v1/apps/my%20app/events?tail=5")
        #expect(APIRequest.listApps().path == "/v1/apps")
    }
}

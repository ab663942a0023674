import TarmacClient
import Testing

@Suite struct ConfigurationTests {
    @Test(arguments: [
        ("http://127.0.0.1:4280", "http://127.0.0.1:4280"),
        ("http://127.0.0.1:4280/", "http://127.0.0.1:4280"),
        ("http://127.0.0.1:4280/v1", "http://127.0.0.1:4280"),
        ("http://127.0.0.1:4280/v1/", "http://127.0.0.1:4280"),
        ("127.0.0.1:4280", "http://127.0.0.1:4280"),
        ("https://api.example.com", "https://api.example.com"),
        ("  http://localhost:4280  ", "http://localhost:4280"),
        ("http://host/prefix", "http://host/prefix"),
    ])
    func normalizesBaseURLs(input: String, expected: String) throws {
        #expect(try TarmacClient.Configuration.normalizeBaseURL(input) == expected)
    }

    @Test(arguments: ["ftp://host", "http://", "http:///v1", "unix:///tmp/sock"])
    func rejectsBadBaseURLs(input: String) {
        #expect(throws: ClientError.self) { try TarmacClient.Configuration.normalizeBaseURL(input) }
    }

    @Test func clientOwnsAndShutsDownItsHTTPClient() async throws {
        let client = try TarmacClient(configuration: .init(baseURL: "127.0.0.1:4280/v1", token: "t"))
        #expect(client.baseURL == "http://127.0.0.1:4280")
        try await client.shutdown()
    }

    @Test func unreachableServerGivesAHelpfulError() async throws {
        // Port 1 on localhost: nothing listens there, the connection is refused at once.
        var configuration = TarmacClient.Configuration(baseURL: "http://127.0.0.1:1")
        configuration.timeout = .seconds(5)
        configuration.retriesFailedConnections = false
        await #expect {
            try await TarmacClient.withClient(configuration: configuration) { client in
                try await client.listApps()
            }
        } throws: { error in
            guard let error = error as? ClientError else { return false }
            return error.code == .unreachable && error.message.contains("http://127.0.0.1:1") && error.message.contains("tarmac dev")
        }
    }
}

import AsyncHTTPClient
import ServiceLifecycle

/// Owns an `HTTPClient` for the lifetime of the service group and shuts it down last.
struct HTTPClientService: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}

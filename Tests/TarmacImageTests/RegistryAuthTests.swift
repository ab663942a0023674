import Foundation
import Testing
@testable import TarmacImage

@Suite("Registry: basic and token auth")
struct RegistryAuthTests {
    static let login = RegistryCredentials.Login(username: "tarmac", password: "s3cret-pass")

    @Test func basicAuthWithRightAndWrongCredentials() async throws {
        try await Scratch.with { scratch in
            try await RegistryServer.with(in: scratch, login: Self.login) { registry in
                let source = Scratch.store(in: scratch.appendingPathComponent("source"))
                let local = try await RegistryFixtures.sampleImage(in: scratch, store: source)
                let remote = "\(registry.host)/private/app:v1"

                // No login: a clear 401 naming the registry and the command to run.
                do {
                    try await source.push("app:v1", to: remote, using: RegistryFixtures.client())
                    Issue.record("push without credentials succeeded")
                } catch let error as ImageError {
                    #expect(error.code == .unauthorized)
                    #expect(error.message.contains("registry \(registry.host) requires authentication"), "\(error)")
                    #expect(error.message.contains("tarmac registry login \(registry.host)"), "\(error)")
                }

                // Wrong password: rejected, with the same advice; login verification refuses it too.
                let wrong = RegistryCredentials.Login(username: "tarmac", password: "nope")
                let wrongFile = try RegistryFixtures.credentials(in: scratch, host: registry.host, login: wrong)
                do {
                    _ = try await Scratch.store(in: scratch.appendingPathComponent("x")).pull(remote, using: RegistryFixtures.client(credentials: wrongFile))
                    Issue.record("pull with wrong credentials succeeded")
                } catch let error as ImageError {
                    #expect(error.code == .unauthorized)
                    #expect(error.message.contains("rejected the credentials stored for user \"tarmac\""), "\(error)")
                    #expect(error.message.contains("tarmac registry login \(registry.host)"), "\(error)")
                }
                await #expect(throws: ImageError.self) {
                    try await RegistryFixtures.client().verifyLogin(host: registry.host, login: wrong)
                }

                // Right credentials: login verifies, push and pull work.
                try await RegistryFixtures.client().verifyLogin(host: registry.host, login: Self.login)
                let rightFile = try RegistryFixtures.credentials(in: scratch, host: registry.host, login: Self.login)
                let client = RegistryFixtures.client(credentials: rightFile)
                try await source.push("app:v1", to: remote, using: client)
                let target = Scratch.store(in: scratch.appendingPathComponent("target"))
                #expect(try await target.pull(remote, using: client).digest == local.digest)
                try expectConsistent(target)
            }
        }
    }

    /// The bearer flow: the front answers 401 with a `Bearer realm=…` challenge, the client
    /// fetches a token from the realm with the stored basic credentials and retries.
    @Test func bearerTokenFlow() async throws {
        try await Scratch.with { scratch in
            try await RegistryServer.with(in: scratch) { registry in
                let source = Scratch.store(in: scratch.appendingPathComponent("source"))
                let local = try await RegistryFixtures.sampleImage(in: scratch, store: source)
                let proxy = try await RegistryProxy.start(in: scratch, upstream: registry.host, token: Self.login)
                defer { proxy.stop() }
                let remote = "\(proxy.host)/tokens/app:v1"

                let file = try RegistryFixtures.credentials(in: scratch, host: proxy.host, login: Self.login)
                let client = RegistryFixtures.client(credentials: file)
                try await client.verifyLogin(host: proxy.host, login: Self.login)
                try await source.push("app:v1", to: remote, using: client)
                let target = Scratch.store(in: scratch.appendingPathComponent("target"))
                #expect(try await target.pull(remote, using: client).digest == local.digest)
                let tokenRequests = proxy.requests.filter { $0.hasPrefix("GET /token?") }
                #expect(!tokenRequests.isEmpty)
                #expect(tokenRequests.allSatisfy { $0.contains("service=tarmac-test") && $0.contains("auth=Basic") })
                #expect(tokenRequests.contains { $0.contains("scope=repository%3Atokens/app%3Apull") || $0.contains("scope=repository:tokens/app:pull") }, "\(tokenRequests)")
                #expect(proxy.requests.contains { $0.hasPrefix("GET /v2/tokens/app/manifests/v1 ") && $0.contains("auth=Bearer") })

                // A wrong password is refused by the token service: a clear 401.
                let wrongFile = try RegistryFixtures.credentials(in: scratch, host: proxy.host, login: .init(username: "tarmac", password: "bad"))
                do {
                    _ = try await Scratch.store(in: scratch.appendingPathComponent("other")).pull(remote, using: RegistryFixtures.client(credentials: wrongFile))
                    Issue.record("pull with a wrong password succeeded")
                } catch let error as ImageError {
                    #expect(error.code == .unauthorized)
                    #expect(error.message.contains("tarmac registry login \(proxy.host)"), "\(error)")
                }
            }
        }
    }

    /// Blobs redirected to another host (presigned storage URLs): followed, without the token.
    @Test func redirectsDropCredentialsForAnotherHost() async throws {
        try await Scratch.with { scratch in
            try await RegistryServer.with(in: scratch) { registry in
                let source = Scratch.store(in: scratch.appendingPathComponent("source"))
                let local = try await RegistryFixtures.sampleImage(in: scratch, store: source)
                let client = RegistryFixtures.client()
                try await source.push("app:v1", to: "\(registry.host)/app:v1", using: client)
                let proxy = try await RegistryProxy.start(in: scratch, upstream: registry.host, token: Self.login, redirect: true)
                defer { proxy.stop() }
                let file = try RegistryFixtures.credentials(in: scratch, host: proxy.host, login: Self.login)
                let target = Scratch.store(in: scratch.appendingPathComponent("target"))
                let pulled = try await target.pull("\(proxy.host)/app:v1", using: RegistryFixtures.client(credentials: file))
                #expect(pulled.digest == local.digest)
                let redirected = proxy.requests.filter { $0.hasPrefix("GET /storage/v2/app/blobs/") }
                #expect(redirected.count == 2, "\(proxy.requests)")
                #expect(redirected.allSatisfy { $0.hasSuffix("auth=-") }, "\(redirected)")
                try expectConsistent(target)
            }
        }
    }
}

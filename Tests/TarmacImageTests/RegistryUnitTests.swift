import Foundation
import Testing
@testable import TarmacImage

@Suite("Registry: challenges, endpoints, credentials")
struct RegistryUnitTests {
    @Test func parsesBearerChallenge() throws {
        let header = #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull,push""#
        let challenge = try #require(AuthChallenge(header: header))
        #expect(challenge.scheme == .bearer)
        #expect(challenge.realm == "https://auth.docker.io/token")
        #expect(challenge.service == "registry.docker.io")
        #expect(challenge.scope == "repository:library/nginx:pull,push")
    }

    @Test func parsesBasicAndOddChallenges() throws {
        #expect(AuthChallenge(header: #"Basic realm="Registry Realm""#) == AuthChallenge(scheme: .basic, parameters: ["realm": "Registry Realm"]))
        #expect(AuthChallenge(header: "basic")?.scheme == .basic)
        #expect(AuthChallenge(header: #"Bearer realm=http://x/token, service = "s\"q""#)?.parameters == ["realm": "http://x/token", "service": "s\"q"])
        #expect(AuthChallenge(header: "Negotiate abc") == nil)
        #expect(AuthChallenge(header: "") == nil)
    }

    @Test(arguments: [
        ("127.0.0.1:5000", "http"), ("127.1.2.3", "http"), ("localhost:5000", "http"), ("[::1]:5000", "http"),
        ("::1", "http"), ("registry-1.docker.io", "https"), ("10.0.0.5:5000", "https"), ("127.0.0.1.example.com", "https"),
        ("localhost.example.com:5000", "https"),
    ])
    func chooseScheme(host: String, scheme: String) {
        #expect(RegistryEndpoint(host: host).scheme == scheme)
    }

    @Test func insecureRegistriesUsePlainHTTP() {
        #expect(RegistryEndpoint(host: "10.0.0.5:5000", insecureRegistries: ["10.0.0.5:5000"]).baseURL == "http://10.0.0.5:5000")
        #expect(RegistryEndpoint(host: "10.0.0.5:5000", insecureRegistries: ["10.0.0.5"]).scheme == "http")
        #expect(RegistryEndpoint(host: "10.0.0.6:5000", insecureRegistries: ["10.0.0.5:5000"]).scheme == "https")
    }

    @Test func credentialsFileIsPrivateAndRoundTrips() async throws {
        try await Scratch.with { scratch in
            let file = RegistryCredentials.fileURL(dataDirectory: scratch.appendingPathComponent("data"))
            #expect(try RegistryCredentials.read(file).auths.isEmpty)
            var credentials = RegistryCredentials()
            credentials.auths[RegistryCredentials.key(for: "docker.io")] = .init(username: "u", password: "p")
            try credentials.write(file)
            let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let read = try RegistryCredentials.read(file)
            #expect(read.login(for: "index.docker.io") == .init(username: "u", password: "p"))
            #expect(read.login(for: "127.0.0.1:5000") == nil)
            #expect((try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path)) == ["registries.json"])
        }
    }

    @Test func contentRangeStart() {
        #expect(BlobDownload.rangeStart("bytes 100-199/200") == 100)
        #expect(BlobDownload.rangeStart("bytes */200") == nil)
        #expect(BlobDownload.rangeStart(nil) == nil)
    }

    @Test func refusesForeignLayers() {
        let foreign = OCIDescriptor(mediaType: MediaType.dockerForeignLayerGzip, digest: "sha256:" + String(repeating: "a", count: 64), size: 1)
        #expect(throws: ImageError.self) { try ImageStore.checkPullable(foreign) }
        do {
            try ImageStore.checkPullable(foreign)
        } catch let error as ImageError {
            #expect(error.code == .unsupported)
            #expect(error.message.contains("foreign"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

import Testing
import TarmacModel

@Suite("ImageReference")
struct ImageReferenceTests {
    static let digest = "sha256:" + String(repeating: "0123456789abcdef", count: 4)

    struct Case: Sendable, CustomTestStringConvertible {
        var input: String
        var domain: String
        var path: String
        var tag: String?
        var digest: String?
        var normalised: String
        var testDescription: String { input }
    }

    static let cases: [Case] = [
        Case(input: "nginx", domain: "docker.io", path: "library/nginx", tag: "latest", normalised: "docker.io/library/nginx:latest"),
        Case(input: "nginx:1.27", domain: "docker.io", path: "library/nginx", tag: "1.27", normalised: "docker.io/library/nginx:1.27"),
        Case(input: "user/repo", domain: "docker.io", path: "user/repo", tag: "latest", normalised: "docker.io/user/repo:latest"),
        Case(input: "user/repo:v2", domain: "docker.io", path: "user/repo", tag: "v2", normalised: "docker.io/user/repo:v2"),
        Case(input: "docker.io/nginx", domain: "docker.io", path: "library/nginx", tag: "latest", normalised: "docker.io/library/nginx:latest"),
        Case(input: "docker.io/library/nginx:latest", domain: "docker.io", path: "library/nginx", tag: "latest", normalised: "docker.io/library/nginx:latest"),
        Case(input: "index.docker.io/x", domain: "docker.io", path: "library/x", tag: "latest", normalised: "docker.io/library/x:latest"),
        Case(input: "localhost:5000/app:v1", domain: "localhost:5000", path: "app", tag: "v1", normalised: "localhost:5000/app:v1"),
        Case(input: "localhost:5000/app", domain: "localhost:5000", path: "app", tag: "latest", normalised: "localhost:5000/app:latest"),
        Case(input: "localhost/app", domain: "localhost", path: "app", tag: "latest", normalised: "localhost/app:latest"),
        Case(input: "host.example.com/a/b:tag", domain: "host.example.com", path: "a/b", tag: "tag", normalised: "host.example.com/a/b:tag"),
        Case(input: "ghcr.io/org/app_name.x__y--z:V1.0_rc-1", domain: "ghcr.io", path: "org/app_name.x__y--z", tag: "V1.0_rc-1", normalised: "ghcr.io/org/app_name.x__y--z:V1.0_rc-1"),
        Case(input: "repo@\(digest)", domain: "docker.io", path: "library/repo", tag: nil, digest: digest, normalised: "docker.io/library/repo@\(digest)"),
        Case(input: "repo:tag@\(digest)", domain: "docker.io", path: "library/repo", tag: "tag", digest: digest, normalised: "docker.io/library/repo:tag@\(digest)"),
        Case(input: "localhost:5000/app@\(digest)", domain: "localhost:5000", path: "app", tag: nil, digest: digest, normalised: "localhost:5000/app@\(digest)"),
    ]

    @Test("normalises like Docker", arguments: cases)
    func normalises(_ item: Case) throws {
        let reference = try ImageReference(parsing: item.input)
        #expect(reference.domain == item.domain)
        #expect(reference.path == item.path)
        #expect(reference.tag == item.tag)
        #expect(reference.digest == item.digest)
        #expect(reference.description == item.normalised)
        #expect(reference.repository == "\(item.domain)/\(item.path)")
        // Normalising is idempotent.
        #expect(try ImageReference(parsing: reference.description) == reference)
    }

    @Test("rejects invalid references", arguments: [
        "", "Nginx", "nginx:", ":tag", ":", "nginx:-bad", "nginx:.bad", "nginx:ta g", "nginx:tag!",
        "repo@sha256:abc", "repo@md5:" + String(repeating: "a", count: 64), "repo@sha256:" + String(repeating: "A", count: 64),
        "repo@", "a//b", "/nginx", "nginx/", "host:99999/app", "host:port/app", "repo-/x", "_repo", "re..po",
        "nginx:" + String(repeating: "a", count: 129), String(repeating: "a", count: 513),
    ])
    func rejects(input: String) {
        #expect(throws: ImageReference.ParseError.self) {
            try ImageReference(parsing: input)
        }
    }

    @Test("the parse error names the reference and the reason")
    func errorDescription() {
        do {
            _ = try ImageReference(parsing: "nginx:-bad")
            Issue.record("expected a parse error")
        } catch {
            #expect(error.reference == "nginx:-bad")
            #expect(error.description.contains("nginx:-bad"))
            #expect(error.description.contains("tag"))
        }
    }

    @Test("familiar names and registry hosts")
    func familiarAndRegistryHost() throws {
        let hub = try ImageReference(parsing: "nginx")
        #expect(hub.familiar == "nginx:latest")
        #expect(hub.registryHost == "registry-1.docker.io")
        let user = try ImageReference(parsing: "user/repo:v1")
        #expect(user.familiar == "user/repo:v1")
        let local = try ImageReference(parsing: "localhost:5000/app:v1")
        #expect(local.familiar == "localhost:5000/app:v1")
        #expect(local.registryHost == "localhost:5000")
        let pinned = try ImageReference(parsing: "repo@\(Self.digest)")
        #expect(pinned.familiar == "repo@\(Self.digest)")
    }

    @Test("isValidDigest")
    func digests() {
        #expect(ImageReference.isValidDigest(Self.digest))
        #expect(!ImageReference.isValidDigest("sha256:" + String(repeating: "a", count: 63)))
        #expect(!ImageReference.isValidDigest("sha512:" + String(repeating: "a", count: 64)))
        #expect(!ImageReference.isValidDigest(String(repeating: "a", count: 64)))
    }
}

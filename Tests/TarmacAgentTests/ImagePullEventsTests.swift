import Foundation
import Testing
import TarmacModel
@testable import TarmacAgent
@testable import TarmacImage

@Suite("Image pull progress as machine events")
struct ImagePullEventsTests {
    static func pending() throws -> PendingPull {
        func digest(_ c: Character) -> String { "sha256:" + String(repeating: c, count: 64) }
        let layers = [
            OCIDescriptor(mediaType: MediaType.ociLayerGzip, digest: digest("a"), size: 600),
            OCIDescriptor(mediaType: MediaType.ociLayerGzip, digest: digest("b"), size: 400),
        ]
        let manifest = OCIManifest(schemaVersion: 2, mediaType: MediaType.ociManifest, config: OCIDescriptor(mediaType: MediaType.ociConfig, digest: digest("c"), size: 10), layers: layers, annotations: nil)
        let config = #"{"architecture":"amd64","os":"linux","config":{"Labels":{"team":"core"}},"rootfs":{"type":"layers","diff_ids":["\#(digest("d"))","\#(digest("e"))"]}}"#
        let configuration = try JSONDecoder().decode(OCIImageConfiguration.self, from: Data(config.utf8))
        return PendingPull(
            name: try ImageReference(parsing: "127.0.0.1:5000/app:v1"), digest: digest("f"), indexDigest: nil,
            manifestData: Data(), mediaType: MediaType.ociManifest, manifest: manifest, configData: Data(config.utf8),
            configuration: configuration, endpoint: RegistryEndpoint(host: "127.0.0.1:5000"))
    }

    @Test func pendingPullReportsItsImageRef() throws {
        let ref = try Self.pending().imageRef
        #expect(ref == ImageRef(registry: "127.0.0.1:5000", repository: "app", tag: "v1", digest: "sha256:" + String(repeating: "f", count: 64), labels: ["team": "core"]))
    }

    @Test func progressEventsOnlyWhenSomethingMoved() throws {
        let pending = try Self.pending()
        let progress = PullProgress(pending)
        let first = try #require(progress.pullingEvent(force: true))
        #expect(first.type == "launch" && first.status == "pulling" && first.source == "flyd")
        #expect(first.request?["layers_total"] == .number(2))
        #expect(first.request?["bytes_total"] == .number(1000))
        #expect(progress.pullingEvent() == nil)

        let a = pending.manifest.layers[0].digest
        let b = pending.manifest.layers[1].digest
        progress.handler(.blob(BlobProgress(digest: a, label: "layer 1/2", completed: 300, total: 600, phase: .transferring)))
        let moved = try #require(progress.pullingEvent())
        #expect(moved.request?["bytes_completed"] == .number(300))
        #expect(moved.request?["percent"] == .number(30))
        #expect(moved.request?["layers_done"] == .number(0))

        progress.handler(.blob(BlobProgress(digest: a, label: "layer 1/2", completed: 600, total: 600, phase: .done)))
        progress.handler(.blob(BlobProgress(digest: b, label: "layer 2/2", completed: 400, total: 400, phase: .alreadyPresent)))
        let done = progress.pulledEvent()
        #expect(done.status == "pulled")
        #expect(done.request?["layers_done"] == .number(2))
        #expect(done.request?["layers_reused"] == .number(1))
        #expect(done.request?["bytes_completed"] == .number(1000))
        #expect(done.request?["percent"] == .number(100))
        #expect(done.request?["image"] == .string("127.0.0.1:5000/app:v1"))
    }

    @Test func pullReferenceFromAnImageRef() {
        let digest = "sha256:" + String(repeating: "1", count: 64)
        #expect(ImagePuller.pullReference(ImageRef(registry: "127.0.0.1:5000", repository: "app", tag: "v1", digest: digest, labels: [:])) == "127.0.0.1:5000/app:v1@\(digest)")
        #expect(ImagePuller.pullReference(ImageRef(registry: "registry-1.docker.io", repository: "library/nginx", tag: "", digest: digest, labels: [:])) == "docker.io/library/nginx@\(digest)")
        // Imported images name no registry: nothing to pull from.
        #expect(ImagePuller.pullReference(ImageRef(registry: "", repository: "web", tag: "v1", digest: digest, labels: [:])) == nil)
        #expect(ImagePuller.pullReference(ImageRef(registry: "127.0.0.1:5000", repository: "app", tag: "v1", digest: "sha256:short", labels: [:])) == nil)
    }
}

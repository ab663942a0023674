import Foundation
import Testing
@testable import TarmacImage

@Suite("Registry: multi-platform images (index)")
struct RegistryIndexTests {
    /// An index of two one-layer images (arm64, amd64) pushed as `multi:v1`.
    struct Pushed {
        var manifests: [OCIDescriptor]
        var layers: [OCIDescriptor]
        var index: OCIDescriptor
    }

    static func pushIndex(in scratch: URL, registry: RegistryServer, client: RegistryClient) async throws -> Pushed {
        let layout = try OCILayoutBuilder(scratch.appendingPathComponent("layout"))
        var manifests: [OCIDescriptor] = []
        var layers: [OCIDescriptor] = []
        for architecture in ["arm64", "amd64"] {
            let tree = try Tree(scratch.appendingPathComponent("tree-\(architecture)"))
            try tree.file("arch", architecture + "\n")
            let tar = scratch.appendingPathComponent("\(architecture).tar")
            try await makeTar(of: tree.root, to: tar)
            let layer = try await layout.layer(tar: tar, gzip: true)
            layers.append(layer.0)
            let manifest = try layout.image(layers: [layer], architecture: architecture)
            manifests.append(OCILayoutBuilder.platform(manifest, architecture: architecture))
        }
        let index = try layout.index(manifests)
        let endpoint = client.endpoint(registry.host)
        // Upload every blob, then the manifests by digest and the index under the tag.
        for name in try FileManager.default.contentsOfDirectory(atPath: layout.blobs.path) {
            let digest = "sha256:" + name
            if manifests.contains(where: { $0.digest == digest }) || digest == index.digest { continue }
            let file = layout.blobs.appendingPathComponent(name)
            let size = try Data(contentsOf: file).count
            let location = try #require(try await client.startUpload(endpoint, path: "multi", mount: nil))
            try await client.upload(file, digest: digest, size: Int64(size), to: location, endpoint: endpoint, path: "multi") { _ in }
        }
        for manifest in manifests {
            let data = try Data(contentsOf: layout.blobURL(manifest))
            try await client.putManifest(endpoint, path: "multi", reference: manifest.digest, data: data, mediaType: MediaType.ociManifest)
        }
        try await client.putManifest(endpoint, path: "multi", reference: "v1", data: try Data(contentsOf: layout.blobURL(index)), mediaType: MediaType.ociIndex)
        return Pushed(manifests: manifests, layers: layers, index: index)
    }

    @Test func indexWithTwoPlatformsPullsAmd64() async throws {
        try await Scratch.with { scratch in
            try await RegistryServer.with(in: scratch) { registry in
                let client = RegistryFixtures.client()
                let pushed = try await Self.pushIndex(in: scratch, registry: registry, client: client)
                let store = Scratch.store(in: scratch)
                let pulled = try await store.pull("\(registry.host)/multi:v1", using: client)
                #expect(pulled.digest == pushed.manifests[1].digest)
                #expect(pulled.indexDigest == pushed.index.digest)
                #expect(pulled.layers.map(\.digest) == [pushed.layers[1].digest])
                try expectConsistent(store)
            }
        }
    }

    /// `REPO@<index digest>`: the amd64 manifest is stored under its own digest, the index
    /// digest is remembered, and the same reference then resolves without the registry.
    @Test func pullByIndexDigest() async throws {
        try await Scratch.with { scratch in
            try await RegistryServer.with(in: scratch) { registry in
                let client = RegistryFixtures.client()
                let pushed = try await Self.pushIndex(in: scratch, registry: registry, client: client)
                let proxy = try await RegistryProxy.start(in: scratch, upstream: registry.host)
                defer { proxy.stop() }
                let store = Scratch.store(in: scratch)
                let byIndex = "\(proxy.host)/multi@\(pushed.index.digest)"
                let pulled = try await store.pull(byIndex, using: client)
                #expect(pulled.digest == pushed.manifests[1].digest)
                #expect(pulled.indexDigest == pushed.index.digest)
                #expect(pulled.reference == "\(proxy.host)/multi@\(pushed.manifests[1].digest)")
                #expect(pulled.imageRef().digest == pushed.manifests[1].digest)
                #expect(try store.resolve(byIndex) == pulled)
                #expect(try store.resolve("\(proxy.host)/multi@\(pushed.manifests[1].digest)") == pulled)
                let before = proxy.requests.count
                #expect(try await store.resolveOrPull(byIndex, using: client) == pulled)
                #expect(proxy.requests.count == before, "resolveOrPull asked the registry: \(proxy.requests.suffix(3))")
                // The stored refs keep the index digest across a fresh read.
                #expect(try Scratch.store(in: scratch).list().first?.indexDigest == pushed.index.digest)
                try expectConsistent(store)
            }
        }
    }
}

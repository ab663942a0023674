import Foundation
import Testing
@testable import TarmacImage

/// A pull verifies blob digests only; diff ids are checked when a layer is unpacked, as
/// containerd does. A layer whose config names the wrong diff id is stored, but never
/// becomes a layer directory, so an image using it cannot run.
@Suite("Registry: diff ids checked at unpack")
struct RegistryDiffIDTests {
    @Test func aLayerWithAWrongDiffIDIsPulledButNeverUnpacked() async throws {
        try await Scratch.with { scratch in
            try await RegistryServer.with(in: scratch) { registry in
                let tree = try Tree(scratch.appendingPathComponent("rootfs"))
                try tree.file("a.txt", "a\n")
                let tar = scratch.appendingPathComponent("layer.tar")
                try await makeTar(of: tree.root, to: tar)
                let layout = try OCILayoutBuilder(scratch.appendingPathComponent("layout"))
                let (layer, diffID) = try await layout.layer(tar: tar, gzip: true)
                let wrongDiffID = "sha256:" + String(repeating: "0", count: 64)
                let client = RegistryFixtures.client()
                try await Self.push(layout, layout.image(layers: [(layer, wrongDiffID)]), as: "bad:v1", to: registry, using: client)
                try await Self.push(layout, layout.image(layers: [(layer, diffID)]), as: "good:v1", to: registry, using: client)

                let store = Scratch.store(in: scratch.appendingPathComponent("store"))
                let bad = try await store.pull("\(registry.host)/bad:v1", using: client)
                #expect(bad.layers.map(\.diffID) == [wrongDiffID])
                for _ in 0..<2 {
                    let error = await #expect(throws: ImageError.self) { try await store.layerDirectories(for: bad) }
                    #expect(error?.code == .corrupt)
                    for part in [layer.digest, wrongDiffID, diffID] {
                        #expect(error?.message.contains(part) == true, "\(String(describing: error))")
                    }
                    #expect(listing(store.layersDirectory).isEmpty)
                    try expectConsistent(store)
                }

                // The same blob under its true diff id is linked from the store and unpacks.
                let good = try await store.pull("\(registry.host)/good:v1", using: client)
                let directories = try await store.layerDirectories(for: good)
                #expect(directories == [try store.layerURL(diffID: diffID).path])
                #expect(FileManager.default.fileExists(atPath: directories[0] + "/a.txt"))
                await #expect(throws: ImageError.self) { try await store.layerDirectories(for: bad) }
            }
        }
    }

    /// Pushes the blobs of a layout-built image and its manifest, which the store would
    /// refuse to import (its diff ids are not checked on the way up).
    static func push(_ layout: OCILayoutBuilder, _ manifest: OCIDescriptor, as name: String, to registry: RegistryServer, using client: RegistryClient) async throws {
        let endpoint = client.endpoint(registry.host)
        let (repository, tag) = (String(name.prefix { $0 != ":" }), String(name.drop { $0 != ":" }.dropFirst()))
        let manifestData = try Data(contentsOf: layout.blobURL(manifest))
        let parsed = try JSONDecoder().decode(OCIManifest.self, from: manifestData)
        for blob in [parsed.config] + parsed.layers {
            guard let location = try await client.startUpload(endpoint, path: repository, mount: nil) else { continue }
            try await client.upload(layout.blobURL(blob), digest: blob.digest, size: blob.size, to: location, endpoint: endpoint, path: repository) { _ in }
        }
        try await client.putManifest(endpoint, path: repository, reference: tag, data: manifestData, mediaType: manifest.mediaType)
    }
}

import Foundation
import Synchronization
import Testing
@testable import TarmacImage

@Suite("Importing an OCI image layout")
struct OCILayoutImportTests {
    @Test func importsAGzipLayerByTag() async throws {
        try await Scratch.with { scratch in
            let tree = try Tree.sample(at: scratch.appendingPathComponent("rootfs"))
            let tar = scratch.appendingPathComponent("layer.tar")
            try await makeTar(of: tree.root, to: tar)
            let layout = try OCILayoutBuilder(scratch.appendingPathComponent("layout"))
            let layer = try await layout.layer(tar: tar, gzip: true)
            let config = ImageConfig(cmd: ["/bin/hello"], env: ["A=1"])
            let manifest = try layout.image(layers: [layer], config: config)
            let other = try layout.image(layers: [layer], config: ImageConfig(cmd: ["other"]))
            try layout.writeIndex([(other, "v1"), (manifest, "v2")])

            let store = Scratch.store(in: scratch)
            let lines = LineCollector()
            let record = try await store.importOCILayout(layout.root, selecting: "v2", as: "app:v2", progress: lines.append)
            #expect(record.reference == "docker.io/library/app:v2")
            #expect(record.digest == manifest.digest)
            #expect(record.config == config)
            #expect(record.layers == [.init(digest: layer.0.digest, diffID: layer.1, mediaType: MediaType.ociLayerGzip, size: layer.0.size)])
            #expect(lines.lines.contains { $0.hasPrefix("copying layer 1/1") })
            #expect(try store.resolve("app:v2") == record)

            let directories = try await store.layerDirectories(for: record)
            #expect(directories.count == 1)
            #expect(try TreeSnapshot.of(URL(fileURLWithPath: directories[0])) == TreeSnapshot.of(tree.root))
            try expectConsistent(store)
        }
    }

    @Test func picksTheHostPlatformFromAnIndex() async throws {
        try await Scratch.with { scratch in
            let layout = try OCILayoutBuilder(scratch.appendingPathComponent("layout"))
            var images: [String: OCIDescriptor] = [:]
            for architecture in ["arm64", "amd64"] {
                let tree = try Tree(scratch.appendingPathComponent("rootfs-\(architecture)"))
                try tree.file("arch", architecture + "\n")
                let tar = scratch.appendingPathComponent("\(architecture).tar")
                try await makeTar(of: tree.root, to: tar)
                let layer = try await layout.layer(tar: tar, gzip: true)
                images[architecture] = OCILayoutBuilder.platform(
                    try layout.image(layers: [layer], config: ImageConfig(cmd: [architecture]), architecture: architecture),
                    architecture: architecture
                )
            }
            let arm = try #require(images["arm64"])
            let amd = try #require(images["amd64"])
            let index = try layout.index([arm, amd])
            try layout.writeIndex([(index, "docker.io/library/multi:1.0")])

            let store = Scratch.store(in: scratch)
            // No tag and no name: the layout's full reference annotation names it.
            let record = try await store.importOCILayout(layout.root, selecting: nil, as: nil)
            #expect(record.reference == "docker.io/library/multi:1.0")
            #expect(record.digest == amd.digest)
            #expect(record.config.cmd == ["amd64"])
            let directory = try #require(try await store.layerDirectories(for: record).first)
            #expect(try String(contentsOfFile: directory + "/arch", encoding: .utf8) == "amd64\n")

            // The tag alone also selects it.
            let again = try await store.importOCILayout(layout.root, selecting: "1.0", as: "multi:again")
            #expect(again.digest == amd.digest)
            try expectConsistent(store)
        }
    }

    @Test func acceptsDockerSchema2MediaTypes() async throws {
        try await Scratch.with { scratch in
            let tree = try Tree(scratch.appendingPathComponent("rootfs"))
            try tree.file("hello.txt", "docker\n")
            let tar = scratch.appendingPathComponent("layer.tar")
            try await makeTar(of: tree.root, to: tar)
            let layout = try OCILayoutBuilder(scratch.appendingPathComponent("layout"))
            let layer = try await layout.layer(tar: tar, gzip: true, mediaType: MediaType.dockerLayerGzip)
            let manifest = OCILayoutBuilder.platform(
                try layout.image(layers: [layer], manifestMediaType: MediaType.dockerManifest, configMediaType: MediaType.dockerConfig),
                architecture: "amd64"
            )
            let list = try layout.index([manifest], mediaType: MediaType.dockerManifestList)
            try layout.writeIndex([(list, "latest")])

            let store = Scratch.store(in: scratch)
            let record = try await store.importOCILayout(layout.root, selecting: nil, as: "registry.local:5000/tools/hello")
            #expect(record.reference == "registry.local:5000/tools/hello:latest")
            #expect(record.mediaType == MediaType.dockerManifest)
            #expect(record.layers.first?.diffID == layer.1)
            let directory = try #require(try await store.layerDirectories(for: record).first)
            #expect(try String(contentsOfFile: directory + "/hello.txt", encoding: .utf8) == "docker\n")
        }
    }

    @Test func asksForANameWhenTheLayoutOnlyHasATag() async throws {
        try await Scratch.with { scratch in
            let layout = try OCILayoutBuilder(scratch.appendingPathComponent("layout"))
            let layer = (try layout.blob(TarWriter().finished(), mediaType: MediaType.ociLayer), "")
            let manifest = try layout.image(layers: [(layer.0, layer.0.digest)])
            try layout.writeIndex([(manifest, "v1")])
            let store = Scratch.store(in: scratch)
            let error = await #expect(throws: ImageError.self) {
                try await store.importOCILayout(layout.root, selecting: "v1", as: nil)
            }
            #expect(error?.code == .invalidInput)
            #expect(error?.message.contains("NAME:TAG") == true)

            let missing = await #expect(throws: ImageError.self) {
                try await store.importOCILayout(layout.root, selecting: "v9", as: "x:y")
            }
            #expect(missing?.code == .notFound)
            #expect(missing?.message.contains("v1") == true)

            let notLayout = await #expect(throws: ImageError.self) {
                try await store.importOCILayout(scratch, selecting: nil, as: "x:y")
            }
            #expect(notLayout?.code == .invalidInput)
            #expect(try store.list().isEmpty)
        }
    }

    @Test func refusesACorruptedBlobAndLeavesTheStoreUnchanged() async throws {
        try await Scratch.with { scratch in
            let store = Scratch.store(in: scratch)
            let base = try Tree(scratch.appendingPathComponent("base"))
            try base.file("base.txt", "base\n")
            let existing = try await store.importDirectory(base.root, as: "base:1", config: ImageConfig())
            let before = listing(store.root)
            let refsBefore = try Data(contentsOf: store.refsURL)

            let tree = try Tree(scratch.appendingPathComponent("rootfs"))
            try tree.file("data.txt", String(repeating: "payload ", count: 10_000))
            let tar = scratch.appendingPathComponent("layer.tar")
            try await makeTar(of: tree.root, to: tar)
            let layout = try OCILayoutBuilder(scratch.appendingPathComponent("layout"))
            let layer = try await layout.layer(tar: tar, gzip: true)
            let manifest = try layout.image(layers: [layer])
            try layout.writeIndex([(manifest, "v1")])
            // Flip one byte of the layer blob: same size, different digest.
            var bytes = try Data(contentsOf: layout.blobURL(layer.0))
            bytes[bytes.count / 2] ^= 0xff
            try bytes.write(to: layout.blobURL(layer.0))

            let error = await #expect(throws: ImageError.self) {
                try await store.importOCILayout(layout.root, selecting: "v1", as: "bad:v1")
            }
            #expect(error?.code == .corrupt)
            #expect(error?.message.contains(layer.0.digest) == true)
            #expect(listing(store.root) == before)
            #expect(try Data(contentsOf: store.refsURL) == refsBefore)
            #expect(try store.list() == [existing])
            try expectConsistent(store)
        }
    }

    @Test func refusesALayerThatDoesNotMatchItsDiffID() async throws {
        try await Scratch.with { scratch in
            let tree = try Tree(scratch.appendingPathComponent("rootfs"))
            try tree.file("a.txt", "a\n")
            let tar = scratch.appendingPathComponent("layer.tar")
            try await makeTar(of: tree.root, to: tar)
            let layout = try OCILayoutBuilder(scratch.appendingPathComponent("layout"))
            let layer = try await layout.layer(tar: tar, gzip: true)
            let wrongDiffID = "sha256:" + String(repeating: "0", count: 64)
            let manifest = try layout.image(layers: [(layer.0, wrongDiffID)])
            try layout.writeIndex([(manifest, "v1")])

            let store = Scratch.store(in: scratch)
            let error = await #expect(throws: ImageError.self) {
                try await store.importOCILayout(layout.root, selecting: "v1", as: "bad:v1")
            }
            #expect(error?.code == .corrupt)
            #expect(try store.list().isEmpty)
            try expectConsistent(store)
        }
    }

    /// Unpacking checks diff ids too (a pulled image's are only its config's word): a layer
    /// that does not hash to its record's diff id never gets a layer directory.
    @Test func unpackRefusesALayerThatDoesNotMatchItsDiffID() async throws {
        try await Scratch.with { scratch in
            let tree = try Tree(scratch.appendingPathComponent("rootfs"))
            try tree.file("a.txt", "a\n")
            let tar = scratch.appendingPathComponent("layer.tar")
            try await makeTar(of: tree.root, to: tar)
            let layout = try OCILayoutBuilder(scratch.appendingPathComponent("layout"))
            let layer = try await layout.layer(tar: tar, gzip: true)
            try layout.writeIndex([(try layout.image(layers: [layer]), "v1")])
            let store = Scratch.store(in: scratch)
            let record = try await store.importOCILayout(layout.root, selecting: "v1", as: "good:v1")
            var tampered = record
            let wrongDiffID = "sha256:" + String(repeating: "1", count: 64)
            tampered.layers[0].diffID = wrongDiffID
            let error = await #expect(throws: ImageError.self) { try await store.layerDirectories(for: tampered) }
            #expect(error?.code == .corrupt)
            for part in [layer.0.digest, wrongDiffID, layer.1] {
                #expect(error?.message.contains(part) == true, "\(String(describing: error))")
            }
            #expect(listing(store.layersDirectory).isEmpty)
            try expectConsistent(store)
            #expect(try await store.layerDirectories(for: record).count == 1)
        }
    }

    @Test func aRepeatedLayerIsMountedOnce() async throws {
        try await Scratch.with { scratch in
            let layout = try OCILayoutBuilder(scratch.appendingPathComponent("layout"))
            var base = TarWriter()
            base.add("base.txt", contents: "base\n")
            let baseLayer = try layout.blob(base.finished(), mediaType: MediaType.ociLayer)
            let empty = try layout.blob(TarWriter().finished(), mediaType: MediaType.ociLayer)
            let manifest = try layout.image(layers: [(empty, empty.digest), (baseLayer, baseLayer.digest), (empty, empty.digest)])
            try layout.writeIndex([(manifest, "v1")])
            let store = Scratch.store(in: scratch)
            let record = try await store.importOCILayout(layout.root, selecting: "v1", as: "twice:v1")
            #expect(record.layers.count == 3)
            let directories = try await store.layerDirectories(for: record)
            #expect(directories.count == 2)
            #expect(directories.last?.hasSuffix(String(empty.digest.dropFirst(7))) == true)
            try expectConsistent(store)
        }
    }

    @Test func refusesAnotherArchitecture() async throws {
        try await Scratch.with { scratch in
            let layout = try OCILayoutBuilder(scratch.appendingPathComponent("layout"))
            let empty = try layout.blob(TarWriter().finished(), mediaType: MediaType.ociLayer)
            let arm = OCILayoutBuilder.platform(try layout.image(layers: [(empty, empty.digest)], architecture: "arm64"), architecture: "arm64")
            let index = try layout.index([arm])
            try layout.writeIndex([(index, "v1")])
            let store = Scratch.store(in: scratch)
            let error = await #expect(throws: ImageError.self) {
                try await store.importOCILayout(layout.root, selecting: "v1", as: "arm:v1")
            }
            #expect(error?.code == .unsupported)
            #expect(error?.message.contains("linux/arm64") == true)
        }
    }
}

/// Collects progress lines from any thread.
final class LineCollector: Sendable {
    private let storage = Mutex<[String]>([])
    var lines: [String] { storage.withLock { $0 } }
    func append(_ line: String) { storage.withLock { $0.append(line) } }
}

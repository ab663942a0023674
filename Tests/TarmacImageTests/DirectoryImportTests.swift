import Foundation
import Testing
@testable import TarmacImage

@Suite("Importing a directory")
struct DirectoryImportTests {
    static let config = ImageConfig(
        entrypoint: ["/bin/hello"], cmd: ["--port", "8080"], env: ["PATH=/usr/bin:/bin", "MODE=prod"],
        workingDir: "/srv", user: "1000:1000", labels: ["team": "edge", "tier": "web"]
    )

    @Test func resolvesByShortNameFullNameAndDigest() async throws {
        try await Scratch.with { scratch in
            let tree = try Tree.sample(at: scratch.appendingPathComponent("rootfs"))
            let store = Scratch.store(in: scratch)
            let record = try await store.importDirectory(tree.root, as: "web:v1", config: Self.config)

            #expect(record.reference == "docker.io/library/web:v1")
            #expect(record.digest.hasPrefix("sha256:"))
            #expect(record.layers.count == 1)
            #expect(record.layers.first?.mediaType == "application/vnd.oci.image.layer.v1.tar")
            #expect(record.layers.first?.diffID == record.layers.first?.digest)
            let hex = String(record.digest.dropFirst(7))
            for name in [
                "web:v1", "docker.io/library/web:v1", "library/web:v1", record.digest, hex,
                "web@\(record.digest)", "web:v1@\(record.digest)", "sha256:" + hex.prefix(12),
            ] {
                #expect(try store.resolve(name) == record, "resolving \(name)")
            }
            #expect(try store.list() == [record])

            let ref = record.imageRef()
            #expect(ref.registry == "registry-1.docker.io")
            #expect(ref.repository == "library/web")
            #expect(ref.tag == "v1")
            #expect(ref.digest == record.digest)
            #expect(ref.labels == ["team": "edge", "tier": "web"])
            try expectConsistent(store)
        }
    }

    @Test func digestIsStableAcrossReimports() async throws {
        try await Scratch.with { scratch in
            let tree = try Tree.sample(at: scratch.appendingPathComponent("rootfs"))
            let store = Scratch.store(in: scratch)
            let first = try await store.importDirectory(tree.root, as: "web:v1", config: Self.config)
            // New mtimes must not change the content address.
            try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: tree.url("srv/a/b/c/deep.txt").path)
            let again = try await store.importDirectory(tree.root, as: "web:v1", config: Self.config)
            let other = try await store.importDirectory(tree.root, as: "registry.example.com/team/web:v2", config: Self.config)
            #expect(again.digest == first.digest)
            #expect(again.created == first.created)
            #expect(other.digest == first.digest)
            #expect(other.layers == first.layers)

            // A second store gets the same digests too: nothing depends on the store.
            let elsewhere = ImageStore(root: scratch.appendingPathComponent("images2"), logger: store.logger)
            #expect(try await elsewhere.importDirectory(tree.root, as: "x:y", config: Self.config).digest == first.digest)

            // Different content or config → different digest.
            try tree.file("srv/new.txt", "new\n")
            let changed = try await store.importDirectory(tree.root, as: "web:v3", config: Self.config)
            #expect(changed.layers.first?.digest != first.layers.first?.digest)
            let reconfigured = try await store.importDirectory(tree.root, as: "web:v4", config: ImageConfig(cmd: ["other"]))
            #expect(reconfigured.layers == changed.layers)
            #expect(reconfigured.digest != changed.digest)
            try expectConsistent(store)
        }
    }

    @Test func configRoundTrips() async throws {
        try await Scratch.with { scratch in
            let tree = try Tree.sample(at: scratch.appendingPathComponent("rootfs"))
            let store = Scratch.store(in: scratch)
            let record = try await store.importDirectory(tree.root, as: "web:v1", config: Self.config)
            #expect(record.config == Self.config)

            // A fresh store value reads the same record back from disk.
            let reopened = Scratch.store(in: scratch)
            #expect(try reopened.resolve("web:v1") == record)
            #expect(try reopened.resolve("web:v1").config == Self.config)

            // The stored OCI config blob carries the same fields under OCI's names.
            let configData = try store.readBlob(record.configDigest)
            let configuration = try JSONDecoder().decode(OCIImageConfiguration.self, from: configData)
            #expect(configuration.architecture == "amd64")
            #expect(configuration.os == "linux")
            #expect(configuration.config?.imageConfig == Self.config)
            #expect(configuration.rootfs.type == "layers")
            #expect(configuration.rootfs.diffIDs == record.layers.map(\.diffID))
            let raw = try #require(try JSONSerialization.jsonObject(with: configData) as? [String: Any])
            let container = try #require(raw["config"] as? [String: Any])
            #expect(container["Entrypoint"] as? [String] == ["/bin/hello"])
            #expect(container["WorkingDir"] as? String == "/srv")

            let manifest = try JSONDecoder().decode(OCIManifest.self, from: try store.readBlob(record.digest))
            #expect(manifest.mediaType == "application/vnd.oci.image.manifest.v1+json")
            #expect(manifest.config.digest == record.configDigest)
            #expect(manifest.config.mediaType == "application/vnd.oci.image.config.v1+json")
            #expect(manifest.layers.map(\.digest) == record.layers.map(\.digest))
        }
    }

    @Test func layerDirectoriesReproduceTheTree() async throws {
        try await Scratch.with { scratch in
            let tree = try Tree.sample(at: scratch.appendingPathComponent("rootfs"))
            let store = Scratch.store(in: scratch)
            let record = try await store.importDirectory(tree.root, as: "web:v1", config: Self.config)
            let directories = try await store.layerDirectories(for: record)
            let layer = try #require(directories.first)
            #expect(directories.count == 1)
            #expect(layer == store.layersDirectory.path + "/" + String(record.layers[0].diffID.dropFirst(7)))

            let original = try TreeSnapshot.of(tree.root)
            let unpacked = try TreeSnapshot.of(URL(fileURLWithPath: layer))
            #expect(unpacked == original)
            #expect(unpacked["bin/hello"]?.contains("755") == true)
            #expect(unpacked["home/app/notes.txt"]?.contains("600 1000:1000") == true)
            #expect(unpacked["etc/app/config.toml"]?.contains("hardlink-of etc/app/config-hard.toml") == true)
            #expect(unpacked["etc/app/current"]?.hasSuffix("-> config.toml") == true)

            // Cached: a second call returns the same directory without unpacking again.
            let marker = URL(fileURLWithPath: layer).appendingPathComponent("marker")
            try Data().write(to: marker)
            #expect(try await store.layerDirectories(for: record) == directories)
            #expect(FileManager.default.fileExists(atPath: marker.path))
            try expectConsistent(store)
        }
    }

    @Test func refusesAFileOrMissingDirectory() async throws {
        try await Scratch.with { scratch in
            let store = Scratch.store(in: scratch)
            let file = scratch.appendingPathComponent("file")
            try Data("x".utf8).write(to: file)
            for source in [file, scratch.appendingPathComponent("missing")] {
                let error = await #expect(throws: ImageError.self) {
                    try await store.importDirectory(source, as: "web:v1", config: ImageConfig())
                }
                #expect(error?.code == .invalidInput)
            }
            #expect(try store.list().isEmpty)
        }
    }
}

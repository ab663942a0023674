import Foundation
import Testing
@testable import TarmacImage

@Suite("Registry: push and pull against docker-registry")
struct RegistryPullPushTests {
    @Test func pushThenPullIntoAnEmptyStore() async throws {
        try await Scratch.with { scratch in
            try await RegistryServer.with(in: scratch) { registry in
                let source = Scratch.store(in: scratch.appendingPathComponent("source"))
                let local = try await RegistryFixtures.sampleImage(in: scratch, store: source)
                let client = RegistryFixtures.client()
                let remote = "\(registry.host)/team/app:v1"
                let pushed = try await source.push("app:v1", to: remote, using: client)
                #expect(pushed == local.digest)

                let target = Scratch.store(in: scratch.appendingPathComponent("target"))
                let recorder = RegistryFixtures.Recorder()
                let pulled = try await target.pull(remote, using: client, progress: recorder.handler)
                #expect(pulled.digest == local.digest)
                #expect(pulled.layers == local.layers)
                #expect(pulled.configDigest == local.configDigest)
                #expect(pulled.config == local.config)
                #expect(pulled.reference == remote)
                let ref = pulled.imageRef()
                #expect(ref.registry == registry.host)
                #expect(ref.repository == "team/app")
                #expect(ref.tag == "v1")
                #expect(ref.digest == local.digest)
                #expect(ref.labels == ["team": "core"])
                #expect(try target.resolve(remote) == pulled)
                try expectConsistent(target)
                #expect(recorder.phases(of: local.layers[0].digest).contains(.done))

                // A second pull finds the layer in the store and downloads nothing.
                let again = RegistryFixtures.Recorder()
                #expect(try await target.pull(remote, using: client, progress: again.handler).digest == local.digest)
                #expect(again.phases(of: local.layers[0].digest) == [.alreadyPresent])

                // By digest, stored under REPO@DIGEST; resolveOrPull uses the store.
                let byDigest = try await target.pull("\(registry.host)/team/app@\(local.digest)", using: client)
                #expect(byDigest.reference == "\(registry.host)/team/app@\(local.digest)")
                #expect(try await target.resolveOrPull(remote, using: client).digest == local.digest)
                try expectConsistent(target)
            }
        }
    }

    @Test func concurrentPullsOfOneImageShareOnePull() async throws {
        try await Scratch.with { scratch in
            try await RegistryServer.with(in: scratch) { registry in
                let source = Scratch.store(in: scratch.appendingPathComponent("source"))
                let local = try await RegistryFixtures.sampleImage(in: scratch, store: source)
                let client = RegistryFixtures.client()
                let remote = "\(registry.host)/app:v1"
                try await source.push("app:v1", to: remote, using: client)
                let proxy = try await RegistryProxy.start(in: scratch, upstream: registry.host)
                defer { proxy.stop() }
                let target = Scratch.store(in: scratch.appendingPathComponent("target"))
                let viaProxy = "\(proxy.host)/app:v1"
                let digests = try await withThrowingTaskGroup(of: String.self) { group in
                    for _ in 0..<4 { group.addTask { try await target.pull(viaProxy, using: client).digest } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(digests == Array(repeating: local.digest, count: 4))
                let manifestGets = proxy.requests.filter { $0.hasPrefix("GET /v2/app/manifests/v1 ") }
                #expect(manifestGets.count == 1, "requests: \(proxy.requests)")
                try expectConsistent(target)
            }
        }
    }

    @Test func multiLayerPullWithWhiteouts() async throws {
        try await Scratch.with { scratch in
            try await RegistryServer.with(in: scratch) { registry in
                let source = Scratch.store(in: scratch.appendingPathComponent("source"))
                let local = try await WhiteoutTests.twoLayerImage(in: scratch, store: source)
                #expect(local.layers.count == 2)
                let client = RegistryFixtures.client()
                let remote = "\(registry.host)/stack:v1"
                try await source.push("stack:v1", to: remote, using: client)
                let target = Scratch.store(in: scratch.appendingPathComponent("target"))
                let pulled = try await target.pull(remote, using: client)
                #expect(pulled.digest == local.digest)
                #expect(pulled.layers == local.layers)
                #expect(pulled.layers.map(\.mediaType) == [MediaType.ociLayer, MediaType.ociLayerGzip])
                try expectConsistent(target)
                // Unpacked from the pulled blobs, the upper layer deletes /etc/passwd (a 0:0
                // character device for overlayfs) and keeps its new file.
                let directories = try await target.layerDirectories(for: pulled)
                #expect(directories.count == 2)
                #expect(FileSystem.kind(directories[1] + "/etc/passwd") == .characterDevice)
                #expect(FileSystem.kind(directories[1] + "/data/new.txt") == .regular)
                #expect(FileSystem.kind(directories[0] + "/etc/keep") == .regular)
            }
        }
    }

    @Test func missingTagSaysSo() async throws {
        try await Scratch.with { scratch in
            try await RegistryServer.with(in: scratch) { registry in
                let store = Scratch.store(in: scratch)
                do {
                    _ = try await store.pull("\(registry.host)/nothing:here", using: RegistryFixtures.client())
                    Issue.record("pull of a missing tag succeeded")
                } catch let error as ImageError {
                    #expect(error.code == .notFound)
                    #expect(error.message.contains("tag \"here\" does not exist"), "\(error)")
                }
            }
        }
    }

    @Test func pushSkipsExistingBlobsAndMountsAcrossRepositories() async throws {
        try await Scratch.with { scratch in
            try await RegistryServer.with(in: scratch) { registry in
                let source = Scratch.store(in: scratch.appendingPathComponent("source"))
                let local = try await RegistryFixtures.sampleImage(in: scratch, store: source)
                let client = RegistryFixtures.client()
                try await source.push("app:v1", to: "\(registry.host)/one:v1", using: client)

                let again = RegistryFixtures.Recorder()
                try await source.push("app:v1", to: "\(registry.host)/one:v2", using: client, progress: again.handler)
                #expect(again.phases(of: local.layers[0].digest) == [.alreadyPresent])

                // An image pulled from repository `one` is mounted into `two` without uploading.
                let middle = Scratch.store(in: scratch.appendingPathComponent("middle"))
                _ = try await middle.pull("\(registry.host)/one:v1", using: client)
                let mounted = RegistryFixtures.Recorder()
                try await middle.push("\(registry.host)/one:v1", to: "\(registry.host)/two:v1", using: client, progress: mounted.handler)
                #expect(mounted.phases(of: local.layers[0].digest) == [.mounted])
                let target = Scratch.store(in: scratch.appendingPathComponent("target"))
                #expect(try await target.pull("\(registry.host)/two:v1", using: client).digest == local.digest)
            }
        }
    }

    /// Two images sharing a layer, pulled at once into one store: both complete, the layer
    /// is stored once.
    @Test func concurrentPullsOfImagesSharingALayer() async throws {
        try await Scratch.with { scratch in
            try await RegistryServer.with(in: scratch) { registry in
                let source = Scratch.store(in: scratch.appendingPathComponent("source"))
                let tree = try Tree.sample(at: scratch.appendingPathComponent("rootfs"))
                let first = try await source.importDirectory(tree.root, as: "a:v1", config: ImageConfig(cmd: ["/bin/a"]))
                let second = try await source.importDirectory(tree.root, as: "b:v1", config: ImageConfig(cmd: ["/bin/b"]))
                #expect(first.layers == second.layers)
                #expect(first.digest != second.digest)
                let client = RegistryFixtures.client()
                try await source.push("a:v1", to: "\(registry.host)/a:v1", using: client)
                try await source.push("b:v1", to: "\(registry.host)/b:v1", using: client)
                let target = Scratch.store(in: scratch.appendingPathComponent("target"))
                async let a = target.pull("\(registry.host)/a:v1", using: client)
                async let b = target.pull("\(registry.host)/b:v1", using: client)
                let (pulledA, pulledB) = try await (a, b)
                #expect(pulledA.digest == first.digest)
                #expect(pulledB.digest == second.digest)
                #expect(try target.list().count == 2)
                try expectConsistent(target)
            }
        }
    }

    /// Docker schema 2 media types survive push and pull.
    @Test func dockerSchema2Image() async throws {
        try await Scratch.with { scratch in
            try await RegistryServer.with(in: scratch) { registry in
                let tree = try Tree(scratch.appendingPathComponent("tree"))
                try tree.file("hello.txt", "hello\n")
                let tar = scratch.appendingPathComponent("layer.tar")
                try await makeTar(of: tree.root, to: tar)
                let layout = try OCILayoutBuilder(scratch.appendingPathComponent("layout"))
                let layer = try await layout.layer(tar: tar, gzip: true, mediaType: MediaType.dockerLayerGzip)
                let manifest = try layout.image(layers: [layer], manifestMediaType: MediaType.dockerManifest, configMediaType: MediaType.dockerConfig)
                try layout.writeIndex([(manifest, "v1")])
                let source = Scratch.store(in: scratch.appendingPathComponent("source"))
                let local = try await source.importOCILayout(layout.root, selecting: "v1", as: "docker:v1")
                let client = RegistryFixtures.client()
                try await source.push("docker:v1", to: "\(registry.host)/docker:v1", using: client)
                let target = Scratch.store(in: scratch.appendingPathComponent("target"))
                let pulled = try await target.pull("\(registry.host)/docker:v1", using: client)
                #expect(pulled.digest == local.digest)
                #expect(pulled.mediaType == MediaType.dockerManifest)
                #expect(pulled.layers.map(\.mediaType) == [MediaType.dockerLayerGzip])
                try expectConsistent(target)
            }
        }
    }
}

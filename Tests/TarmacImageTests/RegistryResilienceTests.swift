import Foundation
import Testing
@testable import TarmacImage

@Suite("Registry: corrupt blobs and interrupted pulls")
struct RegistryResilienceTests {
    @Test func corruptBlobIsRejectedAndStoreUnchanged() async throws {
        try await Scratch.with { scratch in
            try await RegistryServer.with(in: scratch) { registry in
                let source = Scratch.store(in: scratch.appendingPathComponent("source"))
                let local = try await RegistryFixtures.sampleImage(in: scratch, store: source)
                let client = RegistryFixtures.client()
                let remote = "\(registry.host)/app:v1"
                try await source.push("app:v1", to: remote, using: client)

                // Flip bytes of the layer in the registry's storage, keeping its size.
                let file = registry.blobFile(local.layers[0].digest)
                var data = try Data(contentsOf: file)
                let middle = data.count / 2
                data[middle] ^= 0xFF
                data[middle + 1] ^= 0xFF
                try data.write(to: file)

                let target = Scratch.store(in: scratch.appendingPathComponent("target"))
                let otherTree = try Tree(scratch.appendingPathComponent("other"))
                try otherTree.file("other.txt", "other\n")
                let other = try await target.importDirectory(otherTree.root, as: "other:v1", config: ImageConfig())
                let before = listing(target.blobsDirectory)
                let refsBefore = try Data(contentsOf: target.refsURL)
                do {
                    _ = try await target.pull(remote, using: client)
                    Issue.record("pull of a corrupt blob succeeded")
                } catch let error as ImageError {
                    #expect(error.code == .corrupt)
                    #expect(error.message.contains("does not match its digest"), "\(error)")
                }
                #expect(listing(target.blobsDirectory) == before)
                #expect(try Data(contentsOf: target.refsURL) == refsBefore)
                #expect(try target.list() == [other])
                try expectConsistent(target)
            }
        }
    }

    /// A 30 MB layer; the front drops the connection after 10 MB. The pull fails clearly,
    /// keeps what it verified, and the next pull asks for the rest with `Range`.
    @Test func interruptedPullResumesWithRange() async throws {
        try await Scratch.with { scratch in
            try await RegistryServer.with(in: scratch) { registry in
                let tree = try Tree(scratch.appendingPathComponent("big"))
                var generator = SystemRandomNumberGenerator()
                var random = Data(count: 30 << 20)
                random.withUnsafeMutableBytes { buffer in
                    for index in stride(from: 0, to: buffer.count, by: 8) {
                        var value = generator.next()
                        withUnsafeBytes(of: &value) { bytes in
                            for offset in 0..<min(8, buffer.count - index) { buffer[index + offset] = bytes[offset] }
                        }
                    }
                }
                try tree.directory("data")
                try random.write(to: tree.url("data/random.bin"))
                let source = Scratch.store(in: scratch.appendingPathComponent("source"))
                let local = try await source.importDirectory(tree.root, as: "big:v1", config: ImageConfig())
                #expect(local.layers[0].size > 30 << 20)
                // Chunked upload: 30 MB in 8 MiB PATCHes.
                let client = RegistryFixtures.client()
                let pushing = RegistryFixtures.Recorder()
                try await source.push("big:v1", to: "\(registry.host)/big:v1", using: client, progress: pushing.handler)
                #expect(pushing.phases(of: local.layers[0].digest).filter { $0 == .transferring }.count >= 4)

                let cut = 10 << 20
                let proxy = try await RegistryProxy.start(in: scratch, upstream: registry.host, cut: cut)
                defer { proxy.stop() }
                let target = Scratch.store(in: scratch.appendingPathComponent("target"))
                let remote = "\(proxy.host)/big:v1"
                do {
                    _ = try await target.pull(remote, using: client)
                    Issue.record("pull through a connection cut mid-layer succeeded")
                } catch let error as ImageError {
                    #expect(error.code == .unavailable)
                    #expect(error.message.contains("was interrupted after"), "\(error)")
                    #expect(error.message.contains("run the pull again to resume"), "\(error)")
                }
                #expect(try target.list().isEmpty)
                let partial = target.temporaryDirectory.appendingPathComponent("download-" + String(local.layers[0].digest.dropFirst(7)))
                let kept = (try FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? Int64) ?? 0
                #expect(kept > 0 && kept <= Int64(cut))

                let recorder = RegistryFixtures.Recorder()
                let pulled = try await target.pull(remote, using: client, progress: recorder.handler)
                #expect(pulled.digest == local.digest)
                #expect(recorder.phases(of: local.layers[0].digest).contains(.resumed))
                let ranged = proxy.requests.filter { $0.contains("/blobs/\(local.layers[0].digest)") && $0.contains("range=bytes=\(kept)-") }
                #expect(ranged.count == 1, "requests: \(proxy.requests)")
                try expectConsistent(target)
            }
        }
    }

    /// The registry goes away: a clear error naming it; once it is back the pull completes.
    @Test func registryDownThenRestarted() async throws {
        try await Scratch.with { scratch in
            let first = try await RegistryServer.start(in: scratch)
            let source = Scratch.store(in: scratch.appendingPathComponent("source"))
            let local = try await RegistryFixtures.sampleImage(in: scratch, store: source)
            let client = RegistryFixtures.client()
            let remote = "\(first.host)/app:v1"
            do {
                try await source.push("app:v1", to: remote, using: client)
            } catch {
                first.stop()
                throw error
            }
            first.stop()
            let target = Scratch.store(in: scratch.appendingPathComponent("target"))
            do {
                _ = try await target.pull(remote, using: client)
                Issue.record("pull from a stopped registry succeeded")
            } catch let error as ImageError {
                #expect(error.code == .unavailable)
                #expect(error.message.contains("cannot reach registry \(first.host)"), "\(error)")
            }
            #expect(try target.list().isEmpty)
            let pulled = try await RegistryServer.with(in: scratch, port: first.port, storage: first.storage) { _ in
                try await target.pull(remote, using: client)
            }
            #expect(pulled.digest == local.digest)
            try expectConsistent(target)
        }
    }
}

import Foundation
import Testing
@testable import TarmacImage

/// Pulls of one image by separate processes into one store. Each "process" here has its own
/// `RegistryClient` (so no shared in-process pull table) and its own store value; what keeps
/// them apart is the store's per-image `flock`, which excludes separate open files within one
/// process exactly as it does across processes.
@Suite("Registry: one image pulled by several processes at once")
struct CrossProcessPullTests {
    @Test func separateClientsDownloadEachLayerOnce() async throws {
        try await Scratch.with { scratch in
            try await RegistryServer.with(in: scratch) { registry in
                let source = Scratch.store(in: scratch.appendingPathComponent("source"))
                let local = try await WhiteoutTests.twoLayerImage(in: scratch, store: source)
                try await source.push("stack:v1", to: "\(registry.host)/stack:v1", using: RegistryFixtures.client())
                let proxy = try await RegistryProxy.start(in: scratch, upstream: registry.host)
                defer { proxy.stop() }
                let target = scratch.appendingPathComponent("target")
                let reference = "\(proxy.host)/stack:v1"
                let records = try await withThrowingTaskGroup(of: ImageRecord.self) { group in
                    for _ in 0..<3 {
                        let client = RegistryFixtures.client()
                        let store = Scratch.store(in: target)
                        group.addTask { try await store.pull(reference, using: client) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(records.map(\.digest) == Array(repeating: local.digest, count: 3))
                for layer in local.layers {
                    let gets = proxy.requests.filter { $0.hasPrefix("GET /v2/stack/blobs/\(layer.digest) ") }
                    #expect(gets.count == 1, "layer \(layer.digest) was fetched \(gets.count) times: \(proxy.requests)")
                }
                let store = Scratch.store(in: target)
                #expect(try store.list().map(\.digest) == [local.digest])
                try expectConsistent(store)
                // Pull locks are removed by garbage collection once idle.
                _ = try store.collectGarbage()
                #expect((try? FileManager.default.contentsOfDirectory(atPath: store.locksDirectory.path)) == [])
            }
        }
    }
}

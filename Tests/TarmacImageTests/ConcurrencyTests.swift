import Foundation
import Testing
@testable import TarmacImage

@Suite("Concurrent use of one store")
struct ConcurrencyTests {
    @Test func concurrentImportsKeepTheRefsFileIntact() async throws {
        try await Scratch.with { scratch in
            let tree = try Tree.sample(at: scratch.appendingPathComponent("rootfs"))
            let names = (0..<4).map { _ in "web:v1" } + (0..<6).map { "web:n\($0)" }
            let records = try await withThrowingTaskGroup(of: ImageRecord.self) { group in
                for name in names {
                    // Separate store values, as separate processes would have.
                    let store = Scratch.store(in: scratch)
                    group.addTask { try await store.importDirectory(tree.root, as: name, config: ImageConfig(cmd: ["run"])) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(records.map(\.digest)).count == 1)
            let store = Scratch.store(in: scratch)
            let listed = try store.list()
            #expect(listed.count == 7)
            #expect(Set(listed.map(\.reference)) == Set(names.map { "docker.io/library/\($0)" }))
            // refs.json is valid JSON that a fresh decoder reads.
            _ = try RefsFile.read(store.refsURL)
            try expectConsistent(store)

            // Concurrent unpacks of the same layer settle on one directory.
            let record = try #require(listed.first)
            let directories = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<4 {
                    group.addTask { try await store.layerDirectories(for: record) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(directories).count == 1)
            #expect(listing(store.layersDirectory).filter { !$0.contains("/") }.count == 1)
            #expect(try TreeSnapshot.of(URL(fileURLWithPath: directories[0][0])) == TreeSnapshot.of(tree.root))
            try expectConsistent(store)
        }
    }

    @Test func concurrentImportAndRemoveNeverLeaveDanglingRefs() async throws {
        try await Scratch.with { scratch in
            let tree = try Tree.sample(at: scratch.appendingPathComponent("rootfs"))
            let store = Scratch.store(in: scratch)
            _ = try await store.importDirectory(tree.root, as: "web:base", config: ImageConfig())
            try await withThrowingTaskGroup(of: Void.self) { group in
                for round in 0..<4 {
                    group.addTask { _ = try await store.importDirectory(tree.root, as: "web:r\(round)", config: ImageConfig()) }
                    group.addTask { _ = try? store.remove("web:base") }
                }
                try await group.waitForAll()
            }
            try expectConsistent(store)
            #expect(try store.list().count == 4)
        }
    }
}

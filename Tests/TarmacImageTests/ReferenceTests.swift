import Foundation
import Testing
@testable import TarmacImage

@Suite("Resolving and removing images")
struct ReferenceTests {
    @Test func unknownReferenceIsNotFoundWithAHint() async throws {
        try await Scratch.with { scratch in
            let store = Scratch.store(in: scratch)
            let empty = #expect(throws: ImageError.self) { try store.resolve("web:v1") }
            #expect(empty?.code == .notFound)
            #expect(empty?.message.contains("tarmac image import") == true)

            let tree = try Tree(scratch.appendingPathComponent("rootfs"))
            try tree.file("a", "a")
            let record = try await store.importDirectory(tree.root, as: "web:v1", config: ImageConfig())
            let wrongTag = #expect(throws: ImageError.self) { try store.resolve("web:v2") }
            #expect(wrongTag?.code == .notFound)
            #expect(wrongTag?.message.contains("web has tags: v1") == true)
            #expect(wrongTag?.description.contains("web:v2") == true)

            let otherDigest = "sha256:" + String(repeating: "a", count: 64)
            for reference in [otherDigest, "web@\(otherDigest)", "other@\(record.digest)", "web:v2@\(record.digest)"] {
                let error = #expect(throws: ImageError.self) { try store.resolve(reference) }
                #expect(error?.code == .notFound, "\(reference)")
            }
        }
    }

    @Test(arguments: ["", "Web:v1", "web:-bad", "web@sha256:123", "a//b", "web:v1:extra!", "UPPER/x:y!"])
    func invalidReference(_ text: String) async throws {
        try await Scratch.with { scratch in
            let store = Scratch.store(in: scratch)
            let error = #expect(throws: ImageError.self) { try store.resolve(text) }
            #expect(error?.code == .invalidReference)
            let importError = await #expect(throws: ImageError.self) {
                try await store.importDirectory(scratch, as: text, config: ImageConfig())
            }
            #expect(importError?.code == .invalidReference)
        }
    }

    @Test func importNameMayNotCarryADigest() async throws {
        try await Scratch.with { scratch in
            let store = Scratch.store(in: scratch)
            let digest = "sha256:" + String(repeating: "b", count: 64)
            let error = await #expect(throws: ImageError.self) {
                try await store.importDirectory(scratch, as: "web@\(digest)", config: ImageConfig())
            }
            #expect(error?.code == .invalidReference)
            #expect(error?.message.contains("NAME:TAG") == true)
        }
    }

    @Test func removeKeepsSharedContentAndDeletesTheRest() async throws {
        try await Scratch.with { scratch in
            let store = Scratch.store(in: scratch)
            let tree = try Tree(scratch.appendingPathComponent("rootfs"))
            try tree.file("index.html", "<h1>hi</h1>\n")
            let v1 = try await store.importDirectory(tree.root, as: "web:v1", config: ImageConfig())
            let v2 = try await store.importDirectory(tree.root, as: "web:v2", config: ImageConfig())
            let layerDirectory = try #require(try await store.layerDirectories(for: v1).first)
            #expect(v1.digest == v2.digest)

            let removed = try store.remove("web:v1")
            #expect(removed == v1)
            #expect(try store.list().map(\.reference) == ["docker.io/library/web:v2"])
            #expect(FileSystem.kind(try store.blobURL(v2.digest).path) == .regular)
            #expect(FileSystem.kind(layerDirectory) == .directory)

            let last = try store.remove(v2.digest)
            #expect(last.reference == "docker.io/library/web:v2")
            #expect(try store.list().isEmpty)
            #expect(listing(store.blobsDirectory).isEmpty)
            #expect(FileSystem.kind(layerDirectory) == .missing)

            let again = #expect(throws: ImageError.self) { try store.remove("web:v2") }
            #expect(again?.code == .notFound)
            try expectConsistent(store)
        }
    }

    @Test func removeByADigestSeveralNamesShareIsAmbiguous() async throws {
        try await Scratch.with { scratch in
            let store = Scratch.store(in: scratch)
            let tree = try Tree(scratch.appendingPathComponent("rootfs"))
            try tree.file("a", "a")
            let record = try await store.importDirectory(tree.root, as: "web:v1", config: ImageConfig())
            _ = try await store.importDirectory(tree.root, as: "web:v2", config: ImageConfig())
            let error = #expect(throws: ImageError.self) { try store.remove(record.digest) }
            #expect(error?.code == .ambiguous)
            #expect(try store.list().count == 2)
            // resolve still answers: both names are the same image.
            #expect(try store.resolve(record.digest).digest == record.digest)
            #expect(throws: ImageError.self) { try store.remove("web@\(record.digest)") }
            #expect(try store.remove("web:v1@\(record.digest)").reference == "docker.io/library/web:v1")
            #expect(try store.remove(record.digest).reference == "docker.io/library/web:v2")
        }
    }

    @Test func reimportingANameReplacesItAndDropsUnusedContent() async throws {
        try await Scratch.with { scratch in
            let store = Scratch.store(in: scratch)
            let first = try Tree(scratch.appendingPathComponent("one"))
            try first.file("version", "1\n")
            let second = try Tree(scratch.appendingPathComponent("two"))
            try second.file("version", "2\n")
            let old = try await store.importDirectory(first.root, as: "web:latest", config: ImageConfig())
            let new = try await store.importDirectory(second.root, as: "web", config: ImageConfig())
            #expect(new.reference == "docker.io/library/web:latest")
            #expect(old.digest != new.digest)
            #expect(try store.list() == [new])
            #expect(FileSystem.kind(try store.blobURL(old.layers[0].digest).path) == .missing)
            try expectConsistent(store)
        }
    }

    @Test func listIsSortedByName() async throws {
        try await Scratch.with { scratch in
            let store = Scratch.store(in: scratch)
            let tree = try Tree(scratch.appendingPathComponent("rootfs"))
            try tree.file("a", "a")
            for name in ["zeta:1", "alpha:2", "alpha:1", "registry.example.com/mid:1"] {
                _ = try await store.importDirectory(tree.root, as: name, config: ImageConfig())
            }
            #expect(try store.list().map(\.reference) == [
                "docker.io/library/alpha:1", "docker.io/library/alpha:2", "docker.io/library/zeta:1", "registry.example.com/mid:1",
            ])
        }
    }
}

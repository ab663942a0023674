import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TarmacSystem
import Testing
@testable import TarmacImage

@Suite("Unpacking layers into overlayfs form")
struct WhiteoutTests {
    /// Lower layer: files and a directory; upper layer deletes a file, makes a directory
    /// opaque, adds a file and carries a device node (which must be skipped).
    static func twoLayerImage(in scratch: URL, store: ImageStore) async throws -> ImageRecord {
        let lower = try Tree(scratch.appendingPathComponent("lower"))
        try lower.file("etc/passwd", "root:x:0:0::/root:/bin/sh\n")
        try lower.file("etc/keep", "keep\n")
        try lower.file("data/old.txt", "old\n")
        try lower.file("data/sub/x", "x\n")
        let upper = try Tree(scratch.appendingPathComponent("upper"))
        try upper.file("etc/.wh.passwd", "")
        try upper.file("data/.wh..wh..opq", "")
        try upper.file("data/new.txt", "new\n")
        try await Command.checked("mknod", [upper.url("etc/null").path, "c", "1", "3"])

        let layout = try OCILayoutBuilder(scratch.appendingPathComponent("layout"))
        var layers: [(OCIDescriptor, String)] = []
        for (index, tree) in [lower, upper].enumerated() {
            let tar = scratch.appendingPathComponent("layer\(index).tar")
            try await makeTar(of: tree.root, to: tar)
            layers.append(try await layout.layer(tar: tar, gzip: index == 1))
        }
        let manifest = try layout.image(layers: layers)
        try layout.writeIndex([(manifest, "v1")])
        return try await store.importOCILayout(layout.root, selecting: "v1", as: "stack:v1")
    }

    @Test func convertsWhiteoutsAndSkipsDevices() async throws {
        try await Scratch.with { scratch in
            let store = Scratch.store(in: scratch)
            let record = try await Self.twoLayerImage(in: scratch, store: store)
            let directories = try await store.layerDirectories(for: record)
            #expect(directories.count == 2)
            let lower = directories[0]
            let upper = directories[1]
            #expect(lower.hasSuffix(String(record.layers[0].diffID.dropFirst(7))))

            #expect(FileSystem.kind(lower + "/etc/passwd") == .regular)
            #expect(FileSystem.kind(lower + "/data/old.txt") == .regular)

            // `.wh.passwd` became a 0:0 character device `passwd` owned by root.
            #expect(FileSystem.kind(upper + "/etc/.wh.passwd") == .missing)
            #expect(FileSystem.kind(upper + "/etc/passwd") == .characterDevice)
            let attributes = try FileManager.default.attributesOfItem(atPath: upper + "/etc/passwd")
            #expect(attributes[.ownerAccountID] as? Int == 0)
            #expect(attributes[.groupOwnerAccountID] as? Int == 0)
            var info = stat()
            #expect(lstat(upper + "/etc/passwd", &info) == 0)
            #expect(info.st_rdev == 0)

            // `.wh..wh..opq` became the opaque xattr on its directory.
            #expect(FileSystem.kind(upper + "/data/.wh..wh..opq") == .missing)
            #expect(FileSystem.xattr(upper + "/data", "trusted.overlay.opaque") == [UInt8(ascii: "y")])
            #expect(FileSystem.xattr(upper + "/etc", "trusted.overlay.opaque") == nil)
            #expect(FileSystem.kind(upper + "/data/new.txt") == .regular)

            // The device node in the layer was not created.
            #expect(FileSystem.kind(upper + "/etc/null") == .missing)
        }
    }

    @Test func overlayMountShowsTheMergedView() async throws {
        try await Scratch.with { scratch in
            let store = Scratch.store(in: scratch)
            let record = try await Self.twoLayerImage(in: scratch, store: store)
            let directories = try await store.layerDirectories(for: record)
            let merged = scratch.appendingPathComponent("merged")
            try FileManager.default.createDirectory(at: merged, withIntermediateDirectories: true)
            let lowerdir = directories.reversed().joined(separator: ":")
            let mount = try await Command.run("mount", ["-t", "overlay", "overlay", "-o", "ro,lowerdir=\(lowerdir)", merged.path])
            // Environments without overlayfs (or without CAP_SYS_ADMIN) cannot check this.
            guard mount.succeeded else { return }
            defer { _ = umount2(merged.path, 0) }
            #expect(FileSystem.kind(merged.path + "/etc/passwd") == .missing)
            #expect(FileSystem.kind(merged.path + "/etc/keep") == .regular)
            #expect(FileSystem.kind(merged.path + "/data/old.txt") == .missing)
            #expect(FileSystem.kind(merged.path + "/data/sub") == .missing)
            #expect(try String(contentsOfFile: merged.path + "/data/new.txt", encoding: .utf8) == "new\n")

            // A mounted layer survives removing the image; garbage collection reclaims it once unmounted.
            try store.remove("stack:v1")
            #expect(FileSystem.kind(directories[0]) == .directory)
            #expect(umount2(merged.path, 0) == 0)
            #expect(try store.collectGarbage() >= 2)
            #expect(FileSystem.kind(directories[0]) == .missing)
        }
    }

    @Test func membersEscapingTheRootAreNotWrittenOutside() async throws {
        try await Scratch.with { scratch in
            let outside = scratch.appendingPathComponent("outside")
            try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
            let store = Scratch.store(in: scratch)
            var attempts: [Data] = []
            var dotdot = TarWriter()
            dotdot.add("../../../../outside/dotdot.txt", contents: "escaped\n")
            attempts.append(dotdot.finished())
            var absolute = TarWriter()
            absolute.add(outside.path + "/absolute.txt", contents: "escaped\n")
            attempts.append(absolute.finished())
            var viaLink = TarWriter()
            viaLink.add("link", kind: .symlink, link: outside.path, mode: 0o777)
            viaLink.add("link/through-link.txt", contents: "escaped\n")
            attempts.append(viaLink.finished())
            var hardLink = TarWriter()
            hardLink.add("hard", kind: .hardLink, link: "../../../../outside/target", mode: 0o644)
            attempts.append(hardLink.finished())
            try Data("target\n".utf8).write(to: outside.appendingPathComponent("target"))

            for (index, tar) in attempts.enumerated() {
                let layout = try OCILayoutBuilder(scratch.appendingPathComponent("layout\(index)"))
                let layer = try layout.blob(tar, mediaType: MediaType.ociLayer)
                let manifest = try layout.image(layers: [(layer, layer.digest)])
                try layout.writeIndex([(manifest, "v1")])
                let record = try await store.importOCILayout(layout.root, selecting: "v1", as: "evil:\(index)")
                // GNU tar refuses these members (an error) or neutralises them; either way
                // nothing may appear outside the layer.
                _ = try? await store.layerDirectories(for: record)
            }
            #expect(listing(outside) == ["target"])
            #expect(try String(contentsOf: outside.appendingPathComponent("target"), encoding: .utf8) == "target\n")
            let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: store.temporaryDirectory.path)) ?? []
            #expect(leftovers.isEmpty)
        }
    }
}

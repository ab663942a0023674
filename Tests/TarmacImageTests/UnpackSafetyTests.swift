import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TarmacSystem
import Testing
@testable import TarmacImage

/// Hostile layers: every escape is refused with an error naming the entry, nothing is
/// written outside the layer, and nothing is left in `layers/` or `tmp/`.
@Suite("Unpacking refuses layers that try to escape")
struct UnpackSafetyTests {
    /// A directory outside the store that hostile entries aim at; it must stay unchanged.
    struct Target {
        var url: URL
        var path: String { url.path }

        init(in scratch: URL) throws {
            url = scratch.appendingPathComponent("outside")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try Data("original\n".utf8).write(to: url.appendingPathComponent("target"))
        }

        func expectUntouched(sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(listing(url) == ["target"], sourceLocation: sourceLocation)
            #expect((try? String(contentsOf: url.appendingPathComponent("target"), encoding: .utf8)) == "original\n", sourceLocation: sourceLocation)
            #expect(UnpackFixture.stat(url.appendingPathComponent("target").path)?.st_nlink == 1, sourceLocation: sourceLocation)
        }
    }

    static func expectRefusal(
        _ body: String, entry: String, reason: String, format: String = "PAX",
        sourceLocation: SourceLocation = #_sourceLocation,
        extraCheck: (Target) -> Void = { _ in }
    ) async throws {
        try await Scratch.with { scratch in
            let target = try Target(in: scratch)
            let script = body.replacingOccurrences(of: "OUTSIDE", with: target.path)
            let tar = try await UnpackFixture.tar(format: format, in: scratch, script)
            let store = Scratch.store(in: scratch)
            let error = try await UnpackFixture.refusal(tar, store: store, scratch: scratch, sourceLocation: sourceLocation)
            let shownEntry = entry.replacingOccurrences(of: "OUTSIDE", with: target.path)
            #expect(error?.message.contains("entry \"\(shownEntry)\"") == true, "\(String(describing: error))", sourceLocation: sourceLocation)
            #expect(error?.message.contains(reason) == true, "\(String(describing: error))", sourceLocation: sourceLocation)
            target.expectUntouched(sourceLocation: sourceLocation)
            extraCheck(target)
        }
    }

    @Test func dotDotEscape() async throws {
        try await Self.expectRefusal(#"add("../escape", data=b"x")"#, entry: "../escape", reason: "escapes the layer root")
    }

    @Test func nestedDotDotEscape() async throws {
        try await Self.expectRefusal(#"""
            add("a/b", data=b"fine")
            add("a/../../escape", data=b"x")
            """#, entry: "a/../../escape", reason: "escapes the layer root")
    }

    @Test func dotDotThroughPAXAndGNULongNames() async throws {
        let long = String(repeating: "n", count: 120)
        try await Self.expectRefusal("add(\"\(long)/../../../pax-escape\", data=b\"x\")", entry: "\(long)/../../../pax-escape", reason: "escapes the layer root")
        try await Self.expectRefusal("add(\"\(long)/../../../gnu-escape\", data=b\"x\")", entry: "\(long)/../../../gnu-escape", reason: "escapes the layer root", format: "GNU")
    }

    @Test func symlinkThenWriteThroughIt() async throws {
        try await Self.expectRefusal(#"""
            add("evil", "symlink", linkname="OUTSIDE")
            add("evil/pwned", data=b"x")
            """#, entry: "evil/pwned", reason: "symlink or not a directory")
    }

    @Test func symlinkToParentThenWriteThroughIt() async throws {
        try await Self.expectRefusal(#"""
            add("up", "symlink", linkname="..")
            add("up/escape", data=b"x")
            """#, entry: "up/escape", reason: "symlink or not a directory")
    }

    @Test func symlinkedDirectoryDeeperInThePath() async throws {
        try await Self.expectRefusal(#"""
            add("real", "dir")
            add("real/link", "symlink", linkname="OUTSIDE")
            add("real/link/sub/pwned", data=b"x")
            """#, entry: "real/link/sub/pwned", reason: "symlink or not a directory")
    }

    @Test func aFileAsAParentDirectory() async throws {
        try await Self.expectRefusal(#"""
            add("file", data=b"x")
            add("file/child", data=b"x")
            """#, entry: "file/child", reason: "symlink or not a directory")
    }

    @Test func hardLinkToAHostAbsolutePath() async throws {
        try await Self.expectRefusal(#"add("passwd", "link", linkname="/etc/passwd")"#, entry: "passwd", reason: "not a file in this layer")
        try await Self.expectRefusal(#"add("target", "link", linkname="OUTSIDE/target")"#, entry: "target", reason: "not a file in this layer")
    }

    @Test func hardLinkEscapingWithDotDot() async throws {
        try await Self.expectRefusal(#"add("x", "link", linkname="../../x")"#, entry: "x", reason: "escapes the layer root")
        try await Self.expectRefusal(#"add("x", "link", linkname="../../../../../../../../OUTSIDE/target")"#, entry: "x", reason: "escapes the layer root")
    }

    @Test func hardLinkThroughASymlinkedDirectory() async throws {
        try await Self.expectRefusal(#"""
            add("out", "symlink", linkname="OUTSIDE")
            add("stolen", "link", linkname="out/target")
            """#, entry: "stolen", reason: "not a file in this layer")
    }

    @Test func ownerOutsideTheIDRange() async throws {
        try await Self.expectRefusal(#"add("wrap", data=b"x", uid=2**32)"#, entry: "wrap", reason: "outside the range")
    }

    @Test func absolutePathsLandInsideTheLayer() async throws {
        try await Scratch.with { scratch in
            let target = try Target(in: scratch)
            let hostPath = target.path + "/absolute-\(UUID().uuidString)"
            let passwd = try Data(contentsOf: URL(fileURLWithPath: "/etc/passwd"))
            let tar = try await UnpackFixture.tar(in: scratch, """
                add("/etc/passwd", data=b"evil::0:0::/:/bin/sh\\n")
                add("\(hostPath)", data=b"inside\\n")
                add("//double//slash/./x", data=b"x")
                """)
            let store = Scratch.store(in: scratch)
            let root = try await UnpackFixture.unpack(tar, store: store, scratch: scratch)
            #expect(try String(contentsOfFile: root + "/etc/passwd", encoding: .utf8) == "evil::0:0::/:/bin/sh\n")
            #expect(try String(contentsOfFile: root + hostPath, encoding: .utf8) == "inside\n")
            #expect(FileSystem.kind(root + "/double/slash/x") == .regular)
            #expect(FileSystem.kind(hostPath) == .missing)
            #expect(try Data(contentsOf: URL(fileURLWithPath: "/etc/passwd")) == passwd)
            target.expectUntouched()
        }
    }

    @Test func writingOverALinkNeverWritesThroughIt() async throws {
        try await Scratch.with { scratch in
            let target = try Target(in: scratch)
            let tar = try await UnpackFixture.tar(in: scratch, """
                add("sym", "symlink", linkname="\(target.path)/target")
                add("sym", data=b"replaced\\n", mode=0o666)
                add("hard-to-sym", "link", linkname="sym")
                add("dirlink", "symlink", linkname="\(target.path)")
                add("dirlink", "dir", mode=0o777)
                """)
            let store = Scratch.store(in: scratch)
            let root = try await UnpackFixture.unpack(tar, store: store, scratch: scratch)
            #expect(FileSystem.kind(root + "/sym") == .regular)
            #expect(FileSystem.kind(root + "/dirlink") == .directory)
            #expect(try #require(UnpackFixture.stat(root + "/dirlink")).st_mode & 0o7777 == 0o777)
            target.expectUntouched()
            #expect(try #require(UnpackFixture.stat(target.path)).st_mode & 0o7777 != 0o777)
        }
    }

    @Test func truncatedAndCorruptArchivesAreRefused() async throws {
        try await Scratch.with { scratch in
            let store = Scratch.store(in: scratch)
            var writer = TarWriter()
            writer.add("one.txt", contents: String(repeating: "1", count: 2000))
            let truncated = writer.data.prefix(1024)
            let error = try await UnpackFixture.refusal(Data(truncated), store: store, scratch: scratch)
            #expect(error?.code == .corrupt)
            #expect(error?.message.contains("one.txt") == true)

            var corrupt = writer.finished()
            corrupt[0] ^= 0x01
            let checksum = try await UnpackFixture.refusal(corrupt, store: store, scratch: scratch)
            #expect(checksum?.code == .corrupt)
            #expect(checksum?.message.contains("checksum") == true)
            #expect(checksum?.message.hasPrefix("layer sha256:") == true)
        }
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TarmacSystem
import Testing
@testable import TarmacImage

@Suite("Unpacking layers with the Swift tar extractor")
struct UnpackTests {
    @Test func filesModesOwnersLinksAndTimes() async throws {
        try await Scratch.with { scratch in
            let tar = try await UnpackFixture.tar(in: scratch, """
                add("bin", "dir", mode=0o755, mtime=1_200_000_000)
                add("bin/su", data=b"#!/bin/sh\\n", mode=0o4755, uid=1000, gid=1001, mtime=1_600_000_000.5)
                add("bin/su-hard", "link", linkname="bin/su")
                add("bin/rel", "symlink", linkname="su", uid=7, gid=8)
                add("bin/abs", "symlink", linkname="/etc/shadow")
                add("srv", "dir", mode=0o1777, uid=33, gid=33, mtime=1_500_000_000)
                add("srv/shared", "dir", mode=0o2775)
                add("srv/shared/f", data=b"x" * 70000, mode=0o640)
                add("run/pipe", "fifo", mode=0o620, uid=5, gid=6)
                add("dev/null", "char", devmajor=1, devminor=3)
                add("dev/sda", "block", devmajor=8, devminor=0)
                add("./", "dir", mode=0o751, mtime=1_100_000_000)
                """)
            let store = Scratch.store(in: scratch)
            let root = try await UnpackFixture.unpack(tar, store: store, scratch: scratch)

            let su = try #require(UnpackFixture.stat(root + "/bin/su"))
            #expect(su.st_mode & 0o7777 == 0o4755)
            #expect(su.st_uid == 1000 && su.st_gid == 1001)
            #expect(su.st_mtim.tv_sec == 1_600_000_000 && su.st_mtim.tv_nsec == 500_000_000)
            #expect(su.st_nlink == 2)
            let hard = try #require(UnpackFixture.stat(root + "/bin/su-hard"))
            #expect(hard.st_ino == su.st_ino)

            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/bin/rel") == "su")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/bin/abs") == "/etc/shadow")
            let rel = try #require(UnpackFixture.stat(root + "/bin/rel"))
            #expect(rel.st_uid == 7 && rel.st_gid == 8)
            #expect(rel.st_mtim.tv_sec == 1_000_000_000)

            let srv = try #require(UnpackFixture.stat(root + "/srv"))
            #expect(srv.st_mode & 0o7777 == 0o1777)
            #expect(srv.st_uid == 33)
            // Directory times are set after their contents are written.
            #expect(srv.st_mtim.tv_sec == 1_500_000_000)
            #expect(try #require(UnpackFixture.stat(root + "/bin")).st_mtim.tv_sec == 1_200_000_000)
            #expect(try #require(UnpackFixture.stat(root + "/srv/shared")).st_mode & 0o7777 == 0o2775)
            #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/srv/shared/f")) == Data(repeating: UInt8(ascii: "x"), count: 70000))
            #expect(try #require(UnpackFixture.stat(root + "/srv/shared/f")).st_mode & 0o7777 == 0o640)

            let pipe = try #require(UnpackFixture.stat(root + "/run/pipe"))
            #expect(pipe.st_mode & S_IFMT == S_IFIFO)
            #expect(pipe.st_mode & 0o7777 == 0o620)
            #expect(pipe.st_uid == 5 && pipe.st_gid == 6)
            // Implicit parents are created 0755 root:root.
            #expect(try #require(UnpackFixture.stat(root + "/run")).st_mode & 0o7777 == 0o755)

            #expect(FileSystem.kind(root + "/dev/null") == .missing)
            #expect(FileSystem.kind(root + "/dev/sda") == .missing)

            let top = try #require(UnpackFixture.stat(root))
            #expect(top.st_mode & 0o7777 == 0o751)
            #expect(top.st_mtim.tv_sec == 1_100_000_000)
        }
    }

    @Test(arguments: ["GNU", "PAX"])
    func longNamesAndLinkTargets(format: String) async throws {
        try await Scratch.with { scratch in
            let directory = (0..<6).map { "directory-\($0)-" + String(repeating: "d", count: 30) }.joined(separator: "/")
            let file = directory + "/" + String(repeating: "f", count: 120)
            let target = "/" + String(repeating: "t", count: 150)
            let tar = try await UnpackFixture.tar(format: format, in: scratch, """
                add("\(file)", data=b"long\\n")
                add("\(directory)/sym", "symlink", linkname="\(target)")
                add("\(directory)/hard", "link", linkname="\(file)")
                """)
            let store = Scratch.store(in: scratch)
            let root = try await UnpackFixture.unpack(tar, store: store, scratch: scratch)
            #expect(try String(contentsOfFile: root + "/" + file, encoding: .utf8) == "long\n")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/\(directory)/sym") == target)
            #expect(try #require(UnpackFixture.stat(root + "/\(directory)/hard")).st_nlink == 2)
        }
    }

    @Test func gnuBase256OwnersAndPAXGlobalHeaders() async throws {
        try await Scratch.with { scratch in
            let gnu = try await UnpackFixture.tar(format: "GNU", in: scratch, """
                add("owned", data=b"big ids", uid=3_000_000, gid=4_000_000)
                """)
            #expect(gnu[108] == 0x80)
            let global = try await UnpackFixture.tar(in: scratch, """
                out.close()
                out = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT, pax_headers={"comment": "global"})
                add("plain", data=b"p")
                """)
            #expect(global[156] == UInt8(ascii: "g"))
            let store = Scratch.store(in: scratch)
            let owned = try await UnpackFixture.unpack(gnu, store: store, scratch: scratch)
            let info = try #require(UnpackFixture.stat(owned + "/owned"))
            #expect(info.st_uid == 3_000_000 && info.st_gid == 4_000_000)
            let plain = try await UnpackFixture.unpack(global, store: store, scratch: scratch)
            #expect(listing(URL(fileURLWithPath: plain)) == ["plain"])
        }
    }

    @Test func paxExtendedAttributes() async throws {
        try await Scratch.with { scratch in
            // A v2 file capability: cap_net_bind_service, effective.
            let tar = try await UnpackFixture.tar(in: scratch, """
                cap = bytes([1, 0, 0, 2, 0, 4, 0, 0] + [0] * 12).decode("utf-8", "surrogateescape")
                add("ping", data=b"elf", mode=0o755, pax_headers={
                    "SCHILY.xattr.security.capability": cap,
                    "SCHILY.xattr.user.comment": "hello",
                    "SCHILY.xattr.trusted.note": "kept",
                    "SCHILY.xattr.trusted.overlay.redirect": "/etc",
                    "SCHILY.xattr.security.selinux": "system_u:object_r:bin_t:s0"})
                add("dir", "dir", pax_headers={"SCHILY.xattr.user.dir": "d"})
                """)
            let store = Scratch.store(in: scratch)
            let root = try await UnpackFixture.unpack(tar, store: store, scratch: scratch)
            #expect(FileSystem.xattr(root + "/ping", "security.capability") == [1, 0, 0, 2, 0, 4, 0, 0] + [UInt8](repeating: 0, count: 12))
            #expect(FileSystem.xattr(root + "/ping", "trusted.note") == Array("kept".utf8))
            // Overlay metadata and other security namespaces from a layer are never applied.
            #expect(FileSystem.xattr(root + "/ping", "trusted.overlay.redirect") == nil)
            #expect(FileSystem.xattr(root + "/ping", "security.selinux") == nil)
            // user.* needs a file system that supports it (tmpfs may not): when it is
            // applied it must be exact.
            if let comment = FileSystem.xattr(root + "/ping", "user.comment") {
                #expect(comment == Array("hello".utf8))
            }
            #expect(try #require(UnpackFixture.stat(root + "/ping")).st_mode & 0o7777 == 0o755)
        }
    }

    @Test func whiteoutsAndOpaqueDirectoriesWhileExtracting() async throws {
        try await Scratch.with { scratch in
            let tar = try await UnpackFixture.tar(in: scratch, """
                add("etc", "dir")
                add("etc/.wh.passwd")
                add("data", "dir")
                add("data/.wh..wh..opq")
                add("data/new.txt", data=b"new\\n")
                add(".wh..wh.plnk", "dir")
                add(".wh..wh.plnk/123")
                add(".wh.later")
                add("later", "dir")
                add("both", "dir")
                add(".wh.both")
                add("file-then-whiteout", data=b"x")
                add(".wh.file-then-whiteout")
                """)
            let store = Scratch.store(in: scratch)
            let root = try await UnpackFixture.unpack(tar, store: store, scratch: scratch)
            let passwd = try #require(UnpackFixture.stat(root + "/etc/passwd"))
            #expect(passwd.st_mode & S_IFMT == S_IFCHR && passwd.st_rdev == 0 && passwd.st_uid == 0)
            #expect(FileSystem.kind(root + "/etc/.wh.passwd") == .missing)
            #expect(FileSystem.xattr(root + "/data", "trusted.overlay.opaque") == [UInt8(ascii: "y")])
            #expect(FileSystem.kind(root + "/data/.wh..wh..opq") == .missing)
            #expect(FileSystem.kind(root + "/data/new.txt") == .regular)
            #expect(FileSystem.xattr(root + "/etc", "trusted.overlay.opaque") == nil)
            #expect(FileSystem.kind(root + "/.wh..wh.plnk") == .missing)
            // A whiteout and a directory of the same name in one layer: an opaque directory.
            #expect(FileSystem.kind(root + "/later") == .directory)
            #expect(FileSystem.xattr(root + "/later", "trusted.overlay.opaque") == [UInt8(ascii: "y")])
            #expect(FileSystem.xattr(root + "/both", "trusted.overlay.opaque") == [UInt8(ascii: "y")])
            #expect(FileSystem.kind(root + "/file-then-whiteout") == .regular)
            #expect(listing(URL(fileURLWithPath: root)).allSatisfy { !$0.contains(".wh.") })
        }
    }

    @Test(arguments: [LayerCompression.uncompressed, .gzip, .zstd])
    func compressedLayers(compression: LayerCompression) async throws {
        try await Scratch.with { scratch in
            let tree = try Tree.sample(at: scratch.appendingPathComponent("rootfs"))
            try tree.file("big.bin", String(repeating: "0123456789abcdef", count: 300_000))
            let tarURL = scratch.appendingPathComponent("layer.tar")
            try await makeTar(of: tree.root, to: tarURL)
            let store = Scratch.store(in: scratch)
            let root = try await UnpackFixture.unpack(try Data(contentsOf: tarURL), store: store, scratch: scratch, compression: compression)
            #expect(try TreeSnapshot.of(URL(fileURLWithPath: root)) == TreeSnapshot.of(tree.root))
            try expectConsistent(store)
        }
    }

    @Test func laterEntriesReplaceEarlierOnes() async throws {
        try await Scratch.with { scratch in
            let tar = try await UnpackFixture.tar(in: scratch, """
                add("a", data=b"file")
                add("a", "dir")
                add("a/inside", data=b"1")
                add("b", "dir")
                add("b/deep/x", data=b"1")
                add("b", "symlink", linkname="a")
                add("c", "symlink", linkname="/etc/passwd")
                add("c", data=b"replaced")
                add("d", data=b"first")
                add("e", "link", linkname="d")
                add("e", data=b"second")
                """)
            let store = Scratch.store(in: scratch)
            let root = try await UnpackFixture.unpack(tar, store: store, scratch: scratch)
            #expect(FileSystem.kind(root + "/a") == .directory)
            #expect(FileSystem.kind(root + "/a/inside") == .regular)
            #expect(FileSystem.kind(root + "/b") == .symlink)
            #expect(try String(contentsOfFile: root + "/c", encoding: .utf8) == "replaced")
            // Writing `e` after it was a hard link to `d` leaves `d` alone.
            #expect(try String(contentsOfFile: root + "/d", encoding: .utf8) == "first")
            #expect(try String(contentsOfFile: root + "/e", encoding: .utf8) == "second")
        }
    }

    @Test func oldV7Archive() async throws {
        try await Scratch.with { scratch in
            // ustar headers rewritten as v7: no magic, type NUL, directories by trailing slash.
            let tar = try await UnpackFixture.tar(format: "USTAR", in: scratch, """
                def v7(offset):
                    blocks[offset + 156] = 0
                    blocks[offset + 257:offset + 500] = bytes(243)
                    blocks[offset + 148:offset + 156] = b" " * 8
                    blocks[offset + 148:offset + 155] = b"%06o\\0" % sum(blocks[offset:offset + 512])
                add("v7dir", "dir", mode=0o700)
                add("v7dir/file", data=b"seventh\\n", mode=0o600)
                out.close()
                blocks = bytearray(open(sys.argv[1], "rb").read())
                v7(0)
                v7(512)
                open(sys.argv[1], "wb").write(blocks)
                out = tarfile.open(sys.argv[1] + ".unused", "w")
                """)
            #expect(tar[156] == 0 && tar[257] == 0)
            let store = Scratch.store(in: scratch)
            let root = try await UnpackFixture.unpack(tar, store: store, scratch: scratch)
            #expect(FileSystem.kind(root + "/v7dir") == .directory)
            #expect(try #require(UnpackFixture.stat(root + "/v7dir")).st_mode & 0o7777 == 0o700)
            #expect(try String(contentsOfFile: root + "/v7dir/file", encoding: .utf8) == "seventh\n")
        }
    }

    @Test func sparseFilesAreRefusedClearly() async throws {
        try await Scratch.with { scratch in
            let source = try Tree(scratch.appendingPathComponent("sparse"))
            let holes = source.url("holes").path
            try await Command.checked("truncate", ["-s", "64M", holes])
            try await Command.checked("sh", ["-c", "echo data >> \(holes)"])
            let tarURL = scratch.appendingPathComponent("sparse.tar")
            try await Command.checked("tar", ["--format=gnu", "--sparse", "-C", source.root.path, "-cf", tarURL.path, "holes"])
            let store = Scratch.store(in: scratch)
            let error = try await UnpackFixture.refusal(try Data(contentsOf: tarURL), store: store, scratch: scratch)
            #expect(error?.code == .unsupported)
            #expect(error?.message.contains("\"holes\"") == true)
            #expect(error?.message.contains("sparse") == true)
        }
    }
}

import ArgumentParser
import Foundation
import TarmacImage
import Testing
@testable import TarmacCLI

@Suite struct ImageCommandTests {
    static func importCommand(_ arguments: [String]) throws -> ImageImportCommand {
        let parsed = try ImageCommand.parseAsRoot(["import"] + arguments)
        return try #require(parsed as? ImageImportCommand)
    }

    @Test func directoryImportWithConfigFlags() throws {
        let command = try Self.importCommand([
            "./rootfs", "web:v1",
            "--entrypoint", #"["/bin/sh", "-c"]"#,
            "--cmd", "nginx -g 'daemon off;'",
            "-e", "A=1", "--env", "B=x=y", "-e", "A=3",
            "--label", "team=edge", "--workdir", "/srv", "--user", "1000:1000",
        ])
        #expect(try command.plan() == .directory(path: "./rootfs", name: "web:v1", config: ImageConfig(
            entrypoint: ["/bin/sh", "-c"], cmd: ["nginx", "-g", "daemon off;"], env: ["A=3", "B=x=y"],
            workingDir: "/srv", user: "1000:1000", labels: ["team": "edge"]
        )))
    }

    @Test func repeatedCommandFlagsAppendWordsAndMayStartWithADash() throws {
        let command = try Self.importCommand(["dir", "web", "--cmd", "nginx", "--cmd", "-g", "--cmd", "'daemon off;'"])
        guard case let .directory(_, _, config) = try command.plan() else {
            Issue.record("expected a directory import")
            return
        }
        #expect(config.cmd == ["nginx", "-g", "daemon off;"])
        #expect(config.entrypoint == nil)
        #expect(config.env == nil)
        #expect(config.labels == nil)
    }

    @Test func ociLayoutWithTagAndName() throws {
        let command = try Self.importCommand(["--oci-layout", "/tmp/layout:v1", "app:v1"])
        #expect(try command.plan(fileExists: { _ in false }) == .ociLayout(path: "/tmp/layout", tag: "v1", name: "app:v1"))
        // An existing path with a colon in it is the whole path.
        #expect(try command.plan(fileExists: { $0 == "/tmp/layout:v1" }) == .ociLayout(path: "/tmp/layout:v1", tag: nil, name: "app:v1"))
        let bare = try Self.importCommand(["--oci-layout", "layout"])
        #expect(try bare.plan(fileExists: { _ in false }) == .ociLayout(path: "layout", tag: nil, name: nil))
    }

    @Test func splitsLayoutPaths() {
        let none: (String) -> Bool = { _ in false }
        #expect(ImageImportCommand.splitLayout("dir:tag", fileExists: none) == ("dir", "tag"))
        #expect(ImageImportCommand.splitLayout("./a:b/c", fileExists: none) == ("./a:b/c", nil))
        #expect(ImageImportCommand.splitLayout("dir:", fileExists: none) == ("dir:", nil))
        #expect(ImageImportCommand.splitLayout("plain", fileExists: none) == ("plain", nil))
    }

    @Test(arguments: [
        ["onlydir"],
        ["dir", "web:v1", "--workdir", "relative"],
        ["dir", "web:v1", "--env", "NOVALUE"],
        ["dir", "web:v1", "--label", "=v"],
        ["dir", "web:v1", "--cmd", "'unterminated"],
        ["dir", "web:v1", "--cmd", "[not json"],
        ["dir", "web:v1", "--user", ""],
        ["--oci-layout", "layout", "--cmd", "x"],
        ["--oci-layout", "layout", "a:1", "b:2"],
    ])
    func rejectsBadArguments(_ arguments: [String]) {
        #expect(throws: (any Error).self) { try Self.importCommand(arguments) }
    }

    @Test func removeNeedsAnImage() throws {
        #expect(throws: (any Error).self) { try ImageCommand.parseAsRoot(["rm"]) }
        let command = try #require(try ImageCommand.parseAsRoot(["rm", "web:v1", "sha256:0123456789ab", "--json"]) as? ImageRemoveCommand)
        #expect(command.images == ["web:v1", "sha256:0123456789ab"])
        #expect(command.options.json)
    }

    @Test func dataDirectoryResolution() throws {
        let flag = try #require(try ImageCommand.parseAsRoot(["ls", "--data-dir", "/srv/tarmac"]) as? ImageListCommand)
        #expect(flag.options.storeRoot(environment: ["TARMAC_DATA_DIR": "/elsewhere"]).path == "/srv/tarmac/images")
        let env = try #require(try ImageCommand.parseAsRoot(["ls"]) as? ImageListCommand)
        #expect(env.options.storeRoot(environment: ["TARMAC_DATA_DIR": "/var/lib/tarmac"]).path == "/var/lib/tarmac/images")
        #expect(env.options.storeRoot(environment: ["HOME": "/home/u"]).path == "/home/u/.tarmac/images")
    }

    @Test func listTable() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let digest = "sha256:" + String(repeating: "ab", count: 32)
        let records = [
            ImageRecord(reference: "docker.io/library/web:v1", digest: digest, mediaType: "application/vnd.oci.image.manifest.v1+json",
                        configDigest: digest, layers: [], config: ImageConfig(), size: 1_500_000, created: now.addingTimeInterval(-7200)),
            ImageRecord(reference: "registry.example.com:5000/team/api:2.0", digest: digest, mediaType: "application/vnd.oci.image.manifest.v1+json",
                        configDigest: digest, layers: [], config: ImageConfig(), size: 512, created: now),
        ]
        #expect(ImageListCommand.row(records[0], now: now) == ["web", "v1", "abababababab", "1.5 MB", "2h ago"])
        #expect(ImageListCommand.row(records[1], now: now) == ["registry.example.com:5000/team/api", "2.0", "abababababab", "512 B", "just now"])
        let lines = ImageListCommand.table(records, now: now).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.first?.hasPrefix("NAME") == true)
        #expect(lines.first?.contains("TAG") == true)
        #expect(lines[1].hasPrefix("web "))
    }
}

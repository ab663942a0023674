import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TarmacSystem
import Testing
@testable import TarmacImage

/// Layers crafted with Python's `tarfile` (which writes GNU, PAX, devices, xattrs and
/// hostile names on request) and unpacked through the store.
enum UnpackFixture {
    /// Python that opens `out` (argv[1]) in `format` and defines
    /// `add(name, kind="file", data=b"", **attributes)`; the body adds entries.
    static func python(format: String = "PAX", _ body: String) -> String {
        """
        import io, sys, tarfile
        out = tarfile.open(sys.argv[1], "w", format=tarfile.\(format)_FORMAT)
        KINDS = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                 "link": tarfile.LNKTYPE, "char": tarfile.CHRTYPE, "block": tarfile.BLKTYPE,
                 "fifo": tarfile.FIFOTYPE}
        def add(name, kind="file", data=b"", **attributes):
            info = tarfile.TarInfo(name)
            info.type = KINDS[kind]
            info.mode = 0o755 if kind == "dir" else 0o644
            info.mtime = 1_000_000_000
            for key, value in attributes.items():
                setattr(info, key, value)
            info.size = len(data) if kind == "file" else 0
            out.addfile(info, io.BytesIO(data) if kind == "file" else None)
        \(body)
        out.close()
        """
    }

    /// Runs a `python(...)` script and returns the archive it wrote.
    static func tar(format: String = "PAX", in scratch: URL, _ body: String) async throws -> Data {
        let output = scratch.appendingPathComponent("crafted-\(UUID().uuidString).tar")
        try await Command.checked("python3", ["-c", python(format: format, body), output.path])
        return try Data(contentsOf: output)
    }

    /// Imports a one-layer image made of `tar` (compressed as asked) and unpacks it.
    static func unpack(
        _ tar: Data, store: ImageStore, scratch: URL, compression: LayerCompression = .uncompressed
    ) async throws -> String {
        let layout = try OCILayoutBuilder(scratch.appendingPathComponent("layout-\(UUID().uuidString)"))
        let diffID = Digests.sha256(tar)
        let layer: OCIDescriptor
        switch compression {
        case .uncompressed:
            layer = try layout.blob(tar, mediaType: MediaType.ociLayer)
        case .gzip, .zstd:
            let file = scratch.appendingPathComponent("layer-\(UUID().uuidString).tar")
            try tar.write(to: file)
            let program = compression == .gzip ? ["gzip", "-n", "-k", "-f", file.path] : ["zstd", "-q", "-k", "-f", file.path]
            try await Command.checked(program[0], Array(program.dropFirst()))
            let suffix = compression == .gzip ? ".gz" : ".zst"
            let compressed = try Data(contentsOf: URL(fileURLWithPath: file.path + suffix))
            layer = try layout.blob(compressed, mediaType: compression == .gzip ? MediaType.ociLayerGzip : MediaType.ociLayerZstd)
        }
        let manifest = try layout.image(layers: [(layer, diffID)])
        try layout.writeIndex([(manifest, "v1")])
        let record = try await store.importOCILayout(layout.root, selecting: "v1", as: "crafted:\(UUID().uuidString.prefix(8).lowercased())")
        return try #require(try await store.layerDirectories(for: record).first)
    }

    /// Unpacks `tar` expecting a refusal; checks nothing reached `layers/` or stayed in `tmp/`.
    static func refusal(
        _ tar: Data, store: ImageStore, scratch: URL, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ImageError? {
        let error = await #expect(throws: ImageError.self, sourceLocation: sourceLocation) {
            _ = try await unpack(tar, store: store, scratch: scratch)
        }
        #expect(listing(store.layersDirectory).isEmpty, "layers/ holds \(listing(store.layersDirectory))", sourceLocation: sourceLocation)
        #expect(listing(store.temporaryDirectory).isEmpty, "tmp/ holds \(listing(store.temporaryDirectory))", sourceLocation: sourceLocation)
        return error
    }

    static func stat(_ path: String) -> stat? {
        var info = Glibc.stat()
        return lstat(path, &info) == 0 ? info : nil
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Streams a layer blob's uncompressed tar bytes to a consumer in chunks: read straight
/// from the file when uncompressed, through an in-process ``LayerDecompressor`` otherwise.
/// Blocking; call it inside `Blocking.run`.
enum LayerStream {
    static let chunkSize = 1 << 20

    static func read(
        _ blob: URL, compression: LayerCompression, label: String,
        _ consume: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let decompressor = try LayerDecompressor.make(for: compression, label: label)
        let fd = open(blob.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ImageError(.io, "cannot open \(blob.path) to read \(label): \(FileSystem.errnoDescription())")
        }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw ImageError(.io, "cannot read \(blob.path) while reading \(label): \(FileSystem.errnoDescription())")
            }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            if let decompressor {
                try decompressor.decompress(chunk, consume)
            } else {
                try consume(chunk)
            }
        }
        try decompressor?.finish(consume)
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Streams a layer blob's uncompressed tar bytes to a consumer in chunks: read straight
/// from the file when uncompressed, through `gzip -dc` / `zstd -dc` otherwise (only
/// decompression runs outside the process; the tar itself is parsed in Swift).
enum LayerStream {
    static let chunkSize = 1 << 20

    static func read(
        _ blob: URL, compression: LayerCompression, scratch: URL, label: String,
        _ consume: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        if let decompressor = compression.decompressor {
            // ExternalProcess calls `consume` only before it returns, so it does not escape.
            try withoutActuallyEscaping(consume) { consume in
                try ExternalProcess.checked(
                    decompressor.program, decompressor.arguments + [blob.path],
                    scratch: scratch, what: "decompressing \(label)"
                ) { chunk in
                    try chunk.withUnsafeBytes { try consume($0) }
                }
            }
            return
        }
        let fd = open(blob.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ImageError(.io, "cannot open \(blob.path) to unpack \(label): \(FileSystem.errnoDescription())")
        }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw ImageError(.io, "cannot read \(blob.path) while unpacking \(label): \(FileSystem.errnoDescription())")
            }
            if count == 0 { return }
            try consume(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }
}

import Foundation

/// A blob written and hashed in the staging area, not yet moved into `blobs/`.
struct StagedBlob: Sendable {
    var url: URL
    var digest: String
    var size: Int64
    var mediaType: String

    var descriptor: OCIDescriptor { OCIDescriptor(mediaType: mediaType, digest: digest, size: size) }
}

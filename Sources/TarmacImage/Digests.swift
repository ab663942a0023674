import Crypto
import Foundation
import TarmacModel

/// `sha256:<hex>` digests: computing them and turning them into file names safely.
enum Digests {
    static func sha256(_ data: Data) -> String {
        "sha256:" + hex(SHA256.hash(data: data))
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    /// The hex part of a `sha256:` digest, after checking its form (so it is safe as a file name).
    static func hexPart(of digest: String) throws -> String {
        guard ImageReference.isValidDigest(digest) else {
            if digest.hasPrefix("sha256:") {
                throw ImageError(.invalidInput, "digest \"\(digest)\" is not of the form sha256:<64 lowercase hex characters>")
            }
            throw ImageError(.unsupported, "digest \"\(digest)\" uses an unsupported algorithm; only sha256 digests are supported")
        }
        return String(digest.dropFirst("sha256:".count))
    }

    /// The first 12 hex characters, for display.
    static func short(_ digest: String) -> String {
        String(digest.split(separator: ":").last?.prefix(12) ?? Substring(digest))
    }
}

import Crypto
import Foundation

/// The `tarmac-signature` header of webhook deliveries: `t=<unix seconds>,v1=<hex>`, where
/// the hex is HMAC-SHA256, keyed with the webhook's secret, of `"<t>.<body>"`. Signing the
/// timestamp with the body lets a receiver reject replays: it recomputes the HMAC, compares
/// in constant time and refuses a timestamp older than its tolerance (5 minutes here).
public enum WebhookSignature {
    public static let header = "tarmac-signature"
    public static let defaultTolerance: TimeInterval = 300

    public static func sign(secret: String, timestamp: Int64, body: Data) -> String {
        "t=\(timestamp),v1=" + hex(mac(secret: secret, timestamp: timestamp, body: body))
    }

    /// Why a signature was refused.
    public enum Refusal: Error, Sendable, Hashable {
        case malformed
        case mismatch
        case stale(ageSeconds: Int64)
    }

    /// Checks a header value the way a receiver should; returns normally when it is valid.
    public static func verify(_ value: String, secret: String, body: Data, now: Date = Date(), tolerance: TimeInterval = defaultTolerance) throws(Refusal) {
        var timestamp: Int64?
        var signatures: [String] = []
        for part in value.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { throw .malformed }
            switch pair[0] {
            case "t": timestamp = Int64(pair[1])
            case "v1": signatures.append(pair[1].lowercased())
            default: continue
            }
        }
        guard let timestamp, !signatures.isEmpty else { throw .malformed }
        guard signatures.contains(where: { signature in
            guard let bytes = bytes(hex: signature) else { return false }
            return HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: signed(timestamp: timestamp, body: body), using: key(secret))
        }) else { throw .mismatch }
        let age = Int64(now.timeIntervalSince1970) - timestamp
        guard abs(Double(age)) <= tolerance else { throw .stale(ageSeconds: age) }
    }

    private static func key(_ secret: String) -> SymmetricKey { SymmetricKey(data: Data(secret.utf8)) }

    private static func signed(timestamp: Int64, body: Data) -> Data { Data("\(timestamp).".utf8) + body }

    private static func mac(secret: String, timestamp: Int64, body: Data) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: signed(timestamp: timestamp, body: body), using: key(secret)))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func bytes(hex: String) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            result.append(byte)
            index = next
        }
        return result
    }
}
